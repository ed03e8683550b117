// Package httpsig signs and verifies ActivityPub server-to-server requests
// with draft-cavage HTTP Signatures, the profile Mastodon, GoToSocial, Lemmy
// and most of the fediverse speak.
//
// It is built on github.com/go-fed/httpsig, which computes the signing string
// and the signature, and adds what that library leaves to its callers:
//
//   - [Sign] sets Host and Date itself, adds a SHA-256 Digest for requests
//     with a body, signs "(request-target) host date [digest]" with
//     RSA-SHA256 and labels the header algorithm="rsa-sha256", as Mastodon
//     does. It builds a fresh go-fed signer per call, so it is safe for
//     concurrent use.
//   - [Verify] insists that (request-target), host, date and, for requests
//     with a body, digest are signed; checks that Date lies inside a window
//     (Mastodon's: at most 1 h 5 min old and 1 h ahead); compares Digest with
//     the body; picks the algorithm from the key type (RSA-SHA256 with
//     RSA-SHA512 as fallback, Ed25519); tries the request target with and
//     without the query string; and asks the caller for a fresh key once when
//     the cached one does not verify, which covers key rotation.
//
// Every verification failure wraps [ErrInvalid], or is [ErrUnsigned] when the
// request carries no signature at all, so an inbox can answer 401 with one
// errors.Is test and log the wrapped message.
//
// # Request targets and non-ASCII URLs
//
// The (request-target) is built from the path as it travels on the wire:
// percent-encoded, with the query string if there is one. go-fed/httpsig on
// its own uses the decoded path, which breaks against every peer as soon as a
// path holds non-ASCII characters; this package does not. Peers that still
// run plain go-fed/httpsig do break on such paths, however, and some peers
// drop the query string while others keep it. Keep every URL that others
// sign or that we sign ASCII-only (ids or ASCII slugs, never Cyrillic) and
// free of query strings where possible.
//
// # Keys
//
// Actor keys are RSA-2048 ([GenerateKey]); private keys are stored as PKCS#8
// PEM and public keys published as PKIX "PUBLIC KEY" PEM, the publicKeyPem
// Mastodon expects. Ed25519 keys verify too, but Mastodon neither signs nor
// verifies with them, so the hub does not sign with them.
package httpsig
