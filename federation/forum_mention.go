package federation

// Mentions in forum posts over federation: a received post's Mention tags
// that name local members become the post's mentions (the members see it
// among theirs); a local post's mentions, linked by the portal when it was
// written, become Mention tags of its Note or Page, and the remote actors
// mentioned are added to cc, so that their servers notify them.

import (
	"context"
	"errors"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// maxMentionTags bounds the tags of a received object that are looked at.
const maxMentionTags = 100

// forumMentions returns the ids of the local members a received forum
// object mentions: its Mention tags whose href is the Person actor of a
// local user, at most db.MaxMentions.
func (h *Handler) forumMentions(ctx context.Context, obj map[string]any) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for i, tag := range objsOf(obj["tag"]) {
		if i >= maxMentionTags || len(ids) >= db.MaxMentions {
			break
		}
		if typeOf(tag) != "Mention" {
			continue
		}
		handle := h.localHandle(idOf(tag["href"]))
		if handle == "" {
			continue
		}
		a, err := h.store.LocalActor(ctx, handle)
		if err != nil || a.UserID == 0 || seen[a.UserID] {
			continue
		}
		seen[a.UserID] = true
		ids = append(ids, a.UserID)
	}
	return ids
}

// mentionLink finds the mentions the portal linked in a local post's HTML
// (portal's rewriteMentions writes exactly this shape): the link's href and
// its text, "@handle" or "@handle@host".
var mentionLink = regexp.MustCompile(`<a href="([^"]*)" class="mention"[^>]*>([^<]*)</a>`)

// localMemberPath is the path the portal links a local member's mention to.
const localMemberPath = "/forum/users/"

// maxResolvedMentions bounds the unknown accounts one post makes the hub
// look up (WebFinger, then the actor).
const maxResolvedMentions = 5

// resolveMentions looks up, before a local post is sent, the remote
// accounts it mentions that the hub has never seen (WebFinger, then the
// actor document), so that addMentionTags can tag them and the post reaches
// them. Failures leave a mention untagged; they are logged, never fatal.
func (h *Handler) resolveMentions(ctx context.Context, p *db.ForumPost) {
	var accts []string
	seen := map[string]bool{}
	for _, m := range mentionLink.FindAllStringSubmatch(p.BodyHTML, -1) {
		text := html.UnescapeString(m[2])
		user, host, ok := strings.Cut(strings.TrimPrefix(text, "@"), "@")
		if !ok || user == "" || host == "" {
			continue
		}
		acct := strings.ToLower(user + "@" + host)
		if !seen[acct] && host != h.host && len(seen) < db.MaxMentions {
			seen[acct] = true
			accts = append(accts, acct)
		}
	}
	if len(accts) == 0 {
		return
	}
	known, err := h.store.RemoteActorsByAcct(ctx, accts)
	if err != nil {
		h.log.Warn("forum mentions not resolved", "post", p.ID, "err", err)
		return
	}
	looked := 0
	for _, acct := range accts {
		if known[acct] != nil || looked >= maxResolvedMentions {
			continue
		}
		looked++
		if _, host, _ := strings.Cut(acct, "@"); h.policy.blocked(ctx, host) {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		id, err := h.resolve(lctx, acct)
		if err == nil {
			_, err = h.remoteActor(lctx, id)
		}
		cancel()
		if err != nil {
			h.log.Info("forum mention of an account not found", "post", p.ID, "acct", acct, "err", err)
		}
	}
}

// addMentionTags adds to obj, the Note or Page of local post p, a Mention
// tag for each member and each known remote actor the post mentions (href
// = the actor's id, name = "@user@host"), and adds the remote actors to
// cc; links to members' profiles in its content are made absolute.
// Mentions of remote accounts the hub does not know are left out (their
// actor id is not known). A failing lookup is logged and leaves the
// mentions it concerns out.
func (h *Handler) addMentionTags(ctx context.Context, p *db.ForumPost, obj map[string]any) {
	ms := mentionLink.FindAllStringSubmatch(p.BodyHTML, -1)
	if len(ms) == 0 {
		return
	}
	type mention struct{ handle, acct string } // one of the two
	var order []mention
	var locals, remotes []string
	seen := map[string]bool{}
	for _, m := range ms {
		if len(seen) >= db.MaxMentions {
			break
		}
		href, text := html.UnescapeString(m[1]), html.UnescapeString(m[2])
		// The text says who is meant: @handle (a member), @handle@this-host
		// (a member too, linked to their profile) or @user@host.
		var mt mention
		if user, host, ok := strings.Cut(strings.TrimPrefix(text, "@"), "@"); ok && user != "" && host != "" && !strings.EqualFold(host, h.host) {
			mt.acct = strings.ToLower(user + "@" + host)
		} else if handle, ok := strings.CutPrefix(href, localMemberPath); ok {
			mt.handle = strings.ToLower(handle)
		} else {
			continue
		}
		key := mt.handle + "|" + mt.acct
		if seen[key] {
			continue
		}
		seen[key] = true
		order = append(order, mt)
		if mt.handle != "" {
			locals = append(locals, mt.handle)
		} else {
			remotes = append(remotes, mt.acct)
		}
	}
	profiles, err := h.store.ForumProfilesByHandle(ctx, locals)
	if err != nil {
		h.log.Warn("forum mentions not tagged", "post", p.ID, "err", err)
		return
	}
	actors, err := h.store.RemoteActorsByAcct(ctx, remotes)
	if err != nil {
		h.log.Warn("forum mentions not tagged", "post", p.ID, "err", err)
		return
	}
	tags := objsOfAny(obj["tag"])
	cc := objsOfAny(obj["cc"])
	author := str(obj, "attributedTo")
	for _, mt := range order {
		if mt.handle != "" {
			prof := profiles[mt.handle]
			if prof == nil {
				continue
			}
			a, err := h.UserActor(ctx, prof.UserID, prof.Handle)
			if err != nil {
				h.log.Info("forum mention of a member without an actor", "post", p.ID, "handle", prof.Handle, "err", err)
				continue
			}
			if a.URI != author {
				tags = append(tags, map[string]any{"type": "Mention", "href": a.URI, "name": "@" + a.Handle + "@" + h.host})
			}
			continue
		}
		a := actors[mt.acct]
		if a == nil || a.Blocked {
			continue
		}
		tags = append(tags, map[string]any{"type": "Mention", "href": a.URI, "name": "@" + a.Handle + "@" + a.Host})
		cc = append(cc, a.URI)
	}
	if len(tags) > 0 {
		obj["tag"] = tags
	}
	obj["cc"] = cc
	if len(locals) > 0 {
		absoluteMemberLinks(obj, h.base)
	}
}

// absoluteMemberLinks makes the portal's links to members' profiles in an
// object's content absolute (other servers drop relative links).
func absoluteMemberLinks(obj map[string]any, base string) {
	abs := func(s string) string {
		return strings.ReplaceAll(s, `<a href="`+localMemberPath, `<a href="`+base+localMemberPath)
	}
	if c, ok := obj["content"].(string); ok {
		obj["content"] = abs(c)
	}
	if m, ok := obj["contentMap"].(*langMap); ok {
		for k, v := range m.vals {
			m.vals[k] = abs(v)
		}
	}
}

// objsOfAny returns a property's values as a list: the list itself, or the
// one value, or an empty list.
func objsOfAny(v any) []any {
	switch v := v.(type) {
	case nil:
		return []any{}
	case []any:
		return append([]any{}, v...)
	default:
		return []any{v}
	}
}

// mentionInboxes returns the inboxes of the remote actors an object's
// Mention tags name (their shared inboxes when they have one), so that the
// author's Create reaches them directly: Mastodon notifies a mentioned
// account only when the post itself arrives, not inside a Group's Announce.
func (h *Handler) mentionInboxes(ctx context.Context, obj map[string]any) []string {
	var out []string
	for _, tag := range objsOf(obj["tag"]) {
		href := idOf(tag["href"])
		if typeOf(tag) != "Mention" || href == "" || hostOf(href) == h.host {
			continue
		}
		a, err := h.store.ActorByURI(ctx, href)
		if err != nil || a.Local || a.Blocked {
			continue
		}
		if in := groupInbox(a); in != "" {
			out = append(out, in)
		}
	}
	return union(out, nil)
}

// addConversation addresses the Note of local reply p to the people in
// its conversation who are elsewhere: the author of the post it answers
// (the quoted post, else the thread's opening post) and the thread's
// opener. Each is added to cc with a Mention tag, so that the author's
// Create is delivered to them (mentionInboxes) and GoToSocial, which puts
// a post in a home timeline when it mentions the owner (internal/filter/
// visibility/home_timeline.go), shows it there; a Group's Announce of a
// Create is not enough, as GoToSocial fetches the announced id, finds an
// activity and drops it. Local members, blocked actors, Groups and the
// author are left out.
func (h *Handler) addConversation(ctx context.Context, t *db.ForumThread, p *db.ForumPost, obj map[string]any) {
	var ids []int64
	for _, postID := range []int64{p.QuoteOf, t.FirstPostID} {
		if postID == 0 || postID == p.ID {
			continue
		}
		q, err := h.store.ForumPost(ctx, postID)
		if err != nil {
			if !errors.Is(err, db.ErrNotFound) {
				h.log.Warn("forum conversation not addressed", "post", p.ID, "err", err)
			}
			continue
		}
		if q.AuthorActorID != 0 {
			ids = append(ids, q.AuthorActorID)
		}
	}
	tags := objsOfAny(obj["tag"])
	cc := objsOfAny(obj["cc"])
	tagged := map[string]bool{str(obj, "attributedTo"): true}
	for _, tag := range objsOf(obj["tag"]) {
		tagged[idOf(tag["href"])] = true
	}
	for _, id := range ids {
		a, err := h.store.Actor(ctx, id)
		if err != nil || a.Local || a.Blocked || a.Type == "Group" || tagged[a.URI] {
			continue
		}
		tagged[a.URI] = true
		tags = append(tags, map[string]any{"type": "Mention", "href": a.URI, "name": "@" + a.Handle + "@" + a.Host})
		cc = append(cc, a.URI)
	}
	if len(tags) > 0 {
		obj["tag"] = tags
	}
	obj["cc"] = cc
}
