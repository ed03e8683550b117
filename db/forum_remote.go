package db

import (
	"context"
	"time"
)

// What federation needs of forum posts that are not its own: finding a
// post by its ActivityPub id, limiting how fast a remote actor posts, and
// storing the reports remote actors send.

// ForumPostIDByAPID returns the id of the post that came over federation
// with ActivityPub id apID (a remote reply, or the opening post of a remote
// thread, which shares the thread's id).
func (s *Store) ForumPostIDByAPID(ctx context.Context, apID string) (int64, error) {
	var ids []int64
	if err := s.r.NewRaw("SELECT id FROM forum_posts WHERE ap_id = ?", apID).Scan(ctx, &ids); err != nil {
		return 0, wrap("db: forum post by ActivityPub id", err)
	}
	if len(ids) == 0 {
		return 0, wrap("db: forum post by ActivityPub id", ErrNotFound)
	}
	return ids[0], nil
}

// CountRemoteForumPostsSince returns how many forum posts (opening posts
// included) a remote actor wrote since the given time, for the posting
// limit of remote authors. A post counts when its own date (created_at,
// the date the sender gave it) or the arrival of the Create that brought
// it is in the window, so that a post dated in the past is counted too.
func (s *Store) CountRemoteForumPostsSince(ctx context.Context, actorID int64, since time.Time) (int, error) {
	var n int
	err := s.r.NewRaw(`
		SELECT COUNT(*) FROM forum_posts p
		WHERE p.author_actor_id = ?
		  AND (p.created_at >= ?
		       OR EXISTS (SELECT 1 FROM activities a
		                  WHERE a.object_uri = p.ap_id AND NOT a.outgoing AND a.created_at >= ?))`,
		actorID, since.UTC(), since.UTC()).Scan(ctx, &n)
	return n, wrap("db: count remote forum posts since", err)
}

// CreateRemoteForumReport stores a report a remote actor sent (r.APID set,
// r.ReporterActorID the reporter) unless a report with the same APID is
// stored already; it reports whether it stored one. It checks r as
// CreateForumReport does.
func (s *Store) CreateRemoteForumReport(ctx context.Context, r *ForumReport) (bool, error) {
	const op = "db: create remote forum report"
	var n int
	if err := s.r.NewRaw("SELECT COUNT(*) FROM forum_reports WHERE ap_id = ?", r.APID).Scan(ctx, &n); err != nil {
		return false, wrap(op, err)
	}
	if n > 0 {
		return false, nil
	}
	if err := s.CreateForumReport(ctx, r); err != nil {
		return false, err
	}
	return true, nil
}
