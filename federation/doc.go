// Package federation is the hub's ActivityPub server: WebFinger, NodeInfo
// and host-meta for discovery; the documents of local actors (the hub as
// an Application, organisations as Organization, users as Person) and of
// published items (Article, or Event) on the same URLs as their pages,
// chosen by the Accept header; paged outbox, followers and following
// collections; the inboxes (one per actor and a shared one); and the
// workers that turn the outbox events the portal writes into activities
// and deliver them.
//
// go-fed/activity/streams builds and checks the ActivityStreams documents;
// everything else — inbox, outbox, delivery queue — is written here, not on
// go-fed's pub package (DESIGN §5). Documents get a fixed JSON-LD context
// with the hub's own terms (see Namespace and FEDERATION.md), arrays where
// Mastodon wants arrays, and contentMap, nameMap and summaryMap with every
// translation, primary language first. Received documents are read from
// their raw JSON, where go-fed would drop the language maps.
//
// The network is reached only through a Doer (NewClient builds the real
// one, which refuses non-public addresses unless told otherwise). Every
// request is signed with federation/httpsig: GETs with the hub actor's
// key, deliveries with the key of the actor that sends.
//
// Inbox side effects run in one database transaction with the storing of
// the activity, whose unique id makes a replay harmless. Deliveries are
// rows in the database (one per inbox, shared inboxes preferred), claimed
// with leases, signed at send time, retried with back-off over about three
// days, paced per host and stopped by a per-host circuit breaker; several
// processes can drain one PostgreSQL queue.
package federation
