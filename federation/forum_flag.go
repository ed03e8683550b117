package federation

// Flags of forum posts: a Flag (a report, as Mastodon sends it) whose
// objects include forum posts stored here also files a report in the
// forum's own queue, which the forum's moderators work (the Flag is still
// stored for the admins as every Flag is).

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// flagNoReason is the reason of a forum report whose Flag has no comment
// (a report needs one).
const flagNoReason = "(без коментар / no comment)"

// flaggedForumPosts returns the ids of the forum posts a Flag's objects
// name, each once, in order: local posts ({base}/forum/posts/{id}), local
// threads ({base}/forum/threads/{id}: their opening post), and posts or
// threads that came over federation, by their ActivityPub id.
func (h *Handler) flaggedForumPosts(ctx context.Context, tx *db.Store, objects []string) ([]int64, error) {
	var ids []int64
	seen := map[int64]bool{}
	for _, o := range objects {
		id := int64(0)
		if pid := h.localForumID(o, "posts"); pid > 0 {
			if _, err := tx.ForumPost(ctx, pid); err == nil {
				id = pid
			} else if !errors.Is(err, db.ErrNotFound) {
				return nil, err
			}
		} else if tid := h.localForumID(o, "threads"); tid > 0 {
			t, err := tx.ForumThread(ctx, tid, 0)
			if err == nil {
				id = t.FirstPostID
			} else if !errors.Is(err, db.ErrNotFound) {
				return nil, err
			}
		} else if hostOf(o) != "" && !strings.HasPrefix(o, h.base+"/") {
			pid, err := tx.ForumPostIDByAPID(ctx, o)
			if err == nil {
				id = pid
			} else if !errors.Is(err, db.ErrNotFound) {
				return nil, err
			}
		}
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// forumFlag files the forum reports of a Flag (id flagID, by sender, with
// the comment content as plain text, about objects): one per forum post it names, with
// the Flag's id as its ActivityPub id (flagID#post-N for each post when it
// names several, ap_id being unique), so that a Flag delivered again
// files nothing more. Objects that are no forum post here are left to the
// admins' report.
func (h *Handler) forumFlag(ctx context.Context, tx *db.Store, flagID string, sender *db.Actor, content string, objects []string) error {
	posts, err := h.flaggedForumPosts(ctx, tx, objects)
	if err != nil || len(posts) == 0 {
		return err
	}
	reason := markup.Truncate(strings.TrimSpace(content), db.MaxReportReasonLen)
	if reason == "" {
		reason = flagNoReason
	}
	for _, pid := range posts {
		apID := flagID
		if len(posts) > 1 {
			apID = flagID + "#post-" + strconv.FormatInt(pid, 10)
		}
		r := &db.ForumReport{PostID: pid, ReporterActorID: sender.ID, Reason: reason, APID: apID}
		if _, err := tx.CreateRemoteForumReport(ctx, r); err != nil {
			if errors.Is(err, db.ErrInvalid) || errors.Is(err, db.ErrNotFound) {
				h.log.Info("forum report not filed", "flag", flagID, "post", pid, "err", err)
				continue
			}
			return err
		}
	}
	return nil
}
