package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The moderation actions the forum's log records.
const (
	ModPin    = "pin"
	ModUnpin  = "unpin"
	ModLock   = "lock"
	ModUnlock = "unlock"
	ModHide   = "hide" // a thread or a post
	ModShow   = "show"
	ModMove   = "move"
)

var modActions = map[string]bool{ModPin: true, ModUnpin: true, ModLock: true, ModUnlock: true, ModHide: true, ModShow: true, ModMove: true}

// ForumModAction is one entry of the moderation log: a moderator's action
// on a thread, or on a post (PostID set too). Detail says more where the
// action needs it (a move's target category's handle).
type ForumModAction struct {
	bun.BaseModel `bun:"table:forum_mod_log,alias:ml"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,nullzero"`
	Action    string    `bun:"action"`
	ThreadID  int64     `bun:"thread_id,nullzero"`
	PostID    int64     `bun:"post_id,nullzero"`
	Detail    string    `bun:"detail"`
	CreatedAt time.Time `bun:"created_at"`

	// Filled by ForumModLog.
	Moderator    string `bun:"-"` // the moderator's name, "" when the account is gone
	ThreadTitle  string `bun:"-"`
	ThreadHidden bool   `bun:"-"` // the thread is hidden now
	Category     string `bun:"-"` // the thread's category's handle
}

// Moderate runs a moderator's action (do, which changes the forum through
// tx) and records it in the log, in one transaction: the federation that
// the change triggers finds who did it.
func (s *Store) Moderate(ctx context.Context, a ForumModAction, do func(tx *Store) error) error {
	const op = "db: moderate"
	if !modActions[a.Action] {
		return wrap(op, fmt.Errorf("%w: unknown moderation action %q", ErrInvalid, a.Action))
	}
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if err := do(tx); err != nil {
			return err
		}
		if a.UserID != 0 {
			// A moderator's forum handle names their actor when the action
			// federates.
			if err := tx.ensureProfile(ctx, a.UserID); err != nil {
				return err
			}
		}
		a.CreatedAt = tx.utcNow()
		_, err := tx.w.NewInsert().Model(&a).Exec(ctx)
		return err
	}))
}

// LastModeration returns the newest log entry about a thread (postID 0) or
// a post with one of the given actions.
func (s *Store) LastModeration(ctx context.Context, threadID, postID int64, actions ...string) (*ForumModAction, error) {
	a := new(ForumModAction)
	q := s.w.NewSelect().Model(a).Where("ml.action IN (?)", bun.In(actions))
	if postID != 0 {
		q.Where("ml.post_id = ?", postID)
	} else {
		q.Where("ml.thread_id = ?", threadID).Where("ml.post_id IS NULL")
	}
	err := q.OrderExpr("ml.id DESC").Limit(1).Scan(ctx)
	return a, wrap("db: last moderation", err)
}

// ForumModLog returns a page of the moderation log, newest first, with the
// moderators' names and the threads' titles and whether they are hidden
// now, in two queries (the page and the count) whatever the page's size.
func (s *Store) ForumModLog(ctx context.Context, limit, offset int) ([]*ForumModAction, int, error) {
	const op = "db: forum moderation log"
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows []struct {
		ForumModAction `bun:",extend"`
		Name           string `bun:"moderator"`
		Title          string `bun:"thread_title"`
		Cat            string `bun:"category"`
		Hidden         bool   `bun:"thread_hidden"`
	}
	err := s.r.NewRaw(`
		SELECT ml.id, ml.user_id, ml.action, ml.thread_id, ml.post_id, ml.detail, ml.created_at,
		       COALESCE(u.name, '') AS moderator, COALESCE(t.title, '') AS thread_title, COALESCE(c.handle, '') AS category,
		       COALESCE(t.hidden, FALSE) AS thread_hidden
		FROM forum_mod_log ml
		LEFT JOIN users u ON u.id = ml.user_id
		LEFT JOIN forum_threads t ON t.id = ml.thread_id
		LEFT JOIN forum_categories c ON c.id = t.category_id
		ORDER BY ml.id DESC LIMIT ? OFFSET ?`, limit, max(offset, 0)).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	var total int
	if err := s.r.NewRaw("SELECT COUNT(*) FROM forum_mod_log").Scan(ctx, &total); err != nil {
		return nil, 0, wrap(op, err)
	}
	out := make([]*ForumModAction, len(rows))
	for i := range rows {
		a := rows[i].ForumModAction
		a.Moderator, a.ThreadTitle, a.Category, a.ThreadHidden = rows[i].Name, rows[i].Title, rows[i].Cat, rows[i].Hidden
		out[i] = &a
	}
	return out, total, nil
}
