package db

import (
	"context"
	"time"
)

// ForumNotices is what is new for a member in the forum: posts that
// mention them since they last opened their notices, and followed threads
// with posts they have not read.
type ForumNotices struct {
	Mentions int
	Threads  int
}

// Total is the number the page header shows.
func (n ForumNotices) Total() int { return n.Mentions + n.Threads }

// ForumNotices counts a member's new mentions and unread followed threads,
// in one query; hidden and deleted posts and hidden threads do not count.
func (s *Store) ForumNotices(ctx context.Context, userID int64) (ForumNotices, error) {
	var n ForumNotices
	err := s.r.NewRaw(`
		SELECT
		  (SELECT COUNT(*) FROM forum_mentions m
		     JOIN forum_posts p ON p.id = m.post_id
		     JOIN forum_threads t ON t.id = p.thread_id
		   WHERE m.user_id = ?0 AND NOT p.hidden AND p.deleted_at IS NULL AND NOT t.hidden
		     AND m.created_at > COALESCE((SELECT seen_at FROM forum_notice_marks WHERE user_id = ?0), ?1)) AS mentions,
		  (SELECT COUNT(*) FROM forum_thread_follows f
		     JOIN forum_threads t ON t.id = f.thread_id
		   WHERE f.user_id = ?0 AND NOT t.hidden AND t.last_post_id > f.last_read_post_id) AS threads`,
		userID, time.Unix(0, 0).UTC()).Scan(ctx, &n.Mentions, &n.Threads)
	return n, wrap("db: forum notices", err)
}

// MarkForumNoticesSeen records that the member has seen their mentions.
func (s *Store) MarkForumNoticesSeen(ctx context.Context, userID int64) error {
	_, err := s.w.NewRaw(`
		INSERT INTO forum_notice_marks (user_id, seen_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET seen_at = EXCLUDED.seen_at`, userID, s.utcNow()).Exec(ctx)
	return wrap("db: mark forum notices seen", err)
}
