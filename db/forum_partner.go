package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Partner categories: a partner's forum category is its Group actor, which
// the hub follows. It is stored as a remote category (handle name@host)
// whose threads and posts arrive announced by the Group (FEP-1b12). Members
// here reply into them; the partner's moderators own them, so a Group's
// Delete hides a post here and its Lock locks the thread.

// SaveRemoteForumCategory creates or refreshes the remote category of a
// Group actor, found by c.APID: its texts, page and actor change, its
// handle does not. It sets c.ID.
func (s *Store) SaveRemoteForumCategory(ctx context.Context, c *ForumCategory) error {
	const op = "db: save remote forum category"
	c.Remote = true
	if err := c.validate(); err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var old []struct {
			ID       int64  `bun:"id"`
			Handle   string `bun:"handle"`
			Position int    `bun:"position"`
		}
		if err := tx.w.NewRaw("SELECT id, handle, position FROM forum_categories WHERE ap_id = ?", c.APID).Scan(ctx, &old); err != nil {
			return err
		}
		if len(old) > 0 {
			c.ID, c.Handle, c.Position = old[0].ID, old[0].Handle, old[0].Position
			return tx.UpdateForumCategory(ctx, c)
		}
		var n int
		if err := tx.w.NewRaw("SELECT COUNT(*) FROM forum_categories WHERE remote").Scan(ctx, &n); err != nil {
			return err
		}
		c.Position = n + 1
		name, host, _ := strings.Cut(c.Handle, "@")
		for i := 1; ; i++ {
			if _, err := tx.ForumCategoryByHandle(ctx, c.Handle); errors.Is(err, ErrNotFound) {
				break
			} else if err != nil {
				return err
			}
			if i == 20 {
				return fmt.Errorf("%w: the handle %q is taken", ErrConflict, c.Handle)
			}
			// Two Groups with one name on one host: keep both apart.
			c.Handle = fmt.Sprintf("%s-%d@%s", name, i+1, host)
		}
		return tx.CreateForumCategory(ctx, c)
	}))
}

// ForumCategoryByActor returns the remote category whose Group is the
// stored actor actorID.
func (s *Store) ForumCategoryByActor(ctx context.Context, actorID int64) (*ForumCategory, error) {
	c := new(ForumCategory)
	err := s.selectCategories(c).Where("fc.actor_id = ?", actorID).Where("fc.remote").Limit(1).Scan(ctx)
	return c, wrap("db: forum category by actor", err)
}

// ForumObject is what a federated id names in the forum: a thread (its
// Page, so PostID is the opening post) or a post, with the category the
// thread is in.
type ForumObject struct {
	ThreadID   int64
	PostID     int64
	CategoryID int64
	Thread     bool // the id is the thread's
}

// ForumObjectByAPID finds the thread or post whose ActivityPub id (ap_id)
// is apID.
func (s *Store) ForumObjectByAPID(ctx context.Context, apID string) (*ForumObject, error) {
	var rows []struct {
		ThreadID   int64 `bun:"thread_id"`
		PostID     int64 `bun:"post_id"`
		CategoryID int64 `bun:"category_id"`
		IsThread   bool  `bun:"is_thread"`
	}
	err := s.r.NewRaw(`
		SELECT t.id AS thread_id, COALESCE(t.first_post_id, 0) AS post_id, t.category_id, TRUE AS is_thread
		FROM forum_threads t WHERE t.ap_id = ?0
		UNION ALL
		SELECT t.id, p.id, t.category_id, FALSE
		FROM forum_posts p JOIN forum_threads t ON t.id = p.thread_id WHERE p.ap_id = ?0 AND (t.ap_id IS NULL OR t.ap_id <> ?0)
		LIMIT 1`, apID).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("db: forum object by ActivityPub id", err)
	}
	if len(rows) == 0 {
		return nil, wrap("db: forum object by ActivityPub id", ErrNotFound)
	}
	r := rows[0]
	return &ForumObject{ThreadID: r.ThreadID, PostID: r.PostID, CategoryID: r.CategoryID, Thread: r.IsThread}, nil
}

// UpdateRemoteForumThread replaces the title of the federated thread with
// ActivityPub id apID, opened by actorID.
func (s *Store) UpdateRemoteForumThread(ctx context.Context, apID string, actorID int64, title string) error {
	const op = "db: update remote forum thread"
	title, err := validTitle(title)
	if err != nil {
		return wrap(op, err)
	}
	_, err = s.w.NewUpdate().Model((*ForumThread)(nil)).Set("title = ?", title).Set("updated_at = ?", s.utcNow()).
		Where("ap_id = ?", apID).Where("author_actor_id = ?", actorID).Exec(ctx)
	s.touchedForum(ctx)
	return wrap(op, err)
}
