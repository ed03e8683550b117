package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// A member's follows and read marks, reports and mentions. Follows and read
// marks are private to the member and change no public page, so they do not
// call touched (which would empty the page caches on every visit of a
// follower); reports are seen only by moderators, who are never served
// from a cache.

// ThreadFollow is a member following a thread: LastReadPostID is the last
// post they have seen, so that lists can say what is new.
type ThreadFollow struct {
	bun.BaseModel `bun:"table:forum_thread_follows,alias:tf"`

	UserID         int64     `bun:"user_id,pk"`
	ThreadID       int64     `bun:"thread_id,pk"`
	LastReadPostID int64     `bun:"last_read_post_id"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// FollowThread makes a user follow a thread, with everything in it so far
// counted as read. Following a thread twice changes nothing.
func (s *Store) FollowThread(ctx context.Context, userID, threadID int64) error {
	const op = "db: follow thread"
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var last int64
		if err := tx.w.NewRaw("SELECT COALESCE(last_post_id, 0) FROM forum_threads WHERE id = ?", threadID).Scan(ctx, &last); err != nil {
			return err
		}
		now := tx.utcNow()
		_, err := tx.w.NewInsert().Model(&ThreadFollow{UserID: userID, ThreadID: threadID, LastReadPostID: last, CreatedAt: now, UpdatedAt: now}).
			On("CONFLICT (user_id, thread_id) DO NOTHING").Exec(ctx)
		return err
	}))
}

// UnfollowThread stops a user following a thread; it is not an error if
// they did not.
func (s *Store) UnfollowThread(ctx context.Context, userID, threadID int64) error {
	_, err := s.w.NewDelete().Model((*ThreadFollow)(nil)).Where("user_id = ? AND thread_id = ?", userID, threadID).Exec(ctx)
	return wrap("db: unfollow thread", err)
}

// MarkThreadRead records that a following user has seen a thread up to the
// post with the given id. Read marks only move forward; for a thread the
// user does not follow it does nothing.
func (s *Store) MarkThreadRead(ctx context.Context, userID, threadID, postID int64) error {
	_, err := s.w.NewUpdate().Model((*ThreadFollow)(nil)).Set("last_read_post_id = ?", postID).Set("updated_at = ?", s.utcNow()).
		Where("user_id = ? AND thread_id = ? AND last_read_post_id < ?", userID, threadID, postID).Exec(ctx)
	return wrap("db: mark thread read", err)
}

// ThreadFollowers returns the ids of the users who follow a thread, for
// notifications.
func (s *Store) ThreadFollowers(ctx context.Context, threadID int64) ([]int64, error) {
	var ids []int64
	err := s.r.NewSelect().Model((*ThreadFollow)(nil)).Column("user_id").Where("thread_id = ?", threadID).OrderExpr("user_id").Scan(ctx, &ids)
	return ids, wrap("db: thread followers", err)
}

// forumMention records that a post mentions a local user.
type forumMention struct {
	bun.BaseModel `bun:"table:forum_mentions"`

	PostID    int64     `bun:"post_id,pk"`
	UserID    int64     `bun:"user_id,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// ForumReport is a report of a post to the moderators, by a member or, over
// federation (a Flag, with its APID), by a remote actor.
type ForumReport struct {
	bun.BaseModel `bun:"table:forum_reports,alias:fr"`

	ID              int64     `bun:"id,pk,autoincrement"`
	PostID          int64     `bun:"post_id"`
	ReporterUserID  int64     `bun:"reporter_user_id,nullzero"`
	ReporterActorID int64     `bun:"reporter_actor_id,nullzero"`
	Reason          string    `bun:"reason"`
	APID            string    `bun:"ap_id,nullzero"`
	CreatedAt       time.Time `bun:"created_at"`
	ResolvedAt      time.Time `bun:"resolved_at,nullzero"`
	ResolvedBy      int64     `bun:"resolved_by,nullzero"`

	// Filled by ForumReports.
	Reporter ForumAuthor `bun:"-"`
	Post     *ForumPost  `bun:"-"`
}

// Resolved reports whether a moderator has dealt with the report.
func (r *ForumReport) Resolved() bool { return !r.ResolvedAt.IsZero() }

// CreateForumReport stores a report of a post and sets r.ID.
func (s *Store) CreateForumReport(ctx context.Context, r *ForumReport) error {
	const op = "db: create forum report"
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case r.Reason == "":
		return wrap(op, fmt.Errorf("%w: a report needs a reason", ErrInvalid))
	case utf8.RuneCountInString(r.Reason) > MaxReportReasonLen:
		return wrap(op, fmt.Errorf("%w: the reason is too long", ErrInvalid))
	case (r.ReporterUserID == 0) == (r.ReporterActorID == 0):
		return wrap(op, fmt.Errorf("%w: a report needs exactly one reporter", ErrInvalid))
	}
	r.CreatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var n int
		if err := tx.w.NewRaw("SELECT COUNT(*) FROM forum_posts WHERE id = ?", r.PostID).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("post %d: %w", r.PostID, ErrNotFound)
		}
		_, err := tx.w.NewInsert().Model(r).Returning("id").Exec(ctx)
		return err
	}))
}

// ForumReportQuery selects reports for the moderators' queue.
type ForumReportQuery struct {
	Open   bool // only reports not yet resolved
	Limit  int
	Offset int
}

// ForumReports returns the reports q selects, oldest open ones first, with
// their reporters and the reported posts, in two queries.
func (s *Store) ForumReports(ctx context.Context, q ForumReportQuery) ([]*ForumReport, error) {
	const op = "db: forum reports"
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where, order := "", " ORDER BY r.resolved_at IS NOT NULL, r.id DESC"
	if q.Open {
		where, order = " WHERE r.resolved_at IS NULL", " ORDER BY r.id"
	}
	var rows []struct {
		ForumReport `bun:",extend"`
		R           authorCols `bun:"embed:r_"`
	}
	err := s.r.NewRaw(`
		SELECT r.id, r.post_id, r.reporter_user_id, r.reporter_actor_id, r.reason, r.ap_id, r.created_at, r.resolved_at, r.resolved_by,
		       `+authorSelect("r_", "r.reporter_user_id", "r.reporter_actor_id", "r")+`
		FROM forum_reports r`+authorJoins("r.reporter_user_id", "r.reporter_actor_id", "r")+where+order+" LIMIT ? OFFSET ?",
		limit, max(q.Offset, 0)).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]*ForumReport, len(rows))
	ids := make([]int64, 0, len(rows))
	for i := range rows {
		r := rows[i].ForumReport
		r.Reporter = rows[i].R.author()
		out[i] = &r
		ids = append(ids, r.PostID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	posts, err := s.scanPosts(ctx, postSelect()+" WHERE p.id IN (?)", bun.In(ids))
	if err != nil {
		return nil, wrap(op, err)
	}
	byID := make(map[int64]*ForumPost, len(posts))
	for _, p := range posts {
		byID[p.ID] = p
	}
	for _, r := range out {
		r.Post = byID[r.PostID]
	}
	return out, nil
}

// CountForumReports returns how many reports there are, only the open ones
// when open is set.
func (s *Store) CountForumReports(ctx context.Context, open bool) (int, error) {
	q := s.r.NewSelect().Model((*ForumReport)(nil))
	if open {
		q.Where("resolved_at IS NULL")
	}
	n, err := q.Count(ctx)
	return int(n), wrap("db: count forum reports", err)
}

// ResolveForumReport records that a moderator dealt with a report. Resolving
// it again changes nothing.
func (s *Store) ResolveForumReport(ctx context.Context, id, byUserID int64) error {
	res, err := s.w.NewUpdate().Model((*ForumReport)(nil)).Set("resolved_at = COALESCE(resolved_at, ?)", s.utcNow()).
		Set("resolved_by = COALESCE(resolved_by, ?)", nullID(byUserID)).Where("id = ?", id).Exec(ctx)
	return wrap("db: resolve forum report", affected(res, err))
}
