package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// ForumThread is a thread in a category: its title, the language of its
// opening post, moderation flags and counters kept up to date by the store
// (PostCount counts the posts visitors see, deleted ones included, since
// they leave a marker).
type ForumThread struct {
	bun.BaseModel `bun:"table:forum_threads,alias:ft"`

	ID              int64     `bun:"id,pk,autoincrement"`
	CategoryID      int64     `bun:"category_id"`
	Title           string    `bun:"title"`
	Lang            Lang      `bun:"lang"`
	AuthorUserID    int64     `bun:"author_user_id,nullzero"`
	AuthorActorID   int64     `bun:"author_actor_id,nullzero"`
	Pinned          bool      `bun:"pinned"`
	Locked          bool      `bun:"locked"`
	Hidden          bool      `bun:"hidden"`
	ItemID          int64     `bun:"item_id,nullzero"` // the item it was shared from
	PostCount       int       `bun:"post_count"`
	FirstPostID     int64     `bun:"first_post_id,nullzero"`
	LastPostID      int64     `bun:"last_post_id,nullzero"`
	LastPostAt      time.Time `bun:"last_post_at"`
	LastPostUserID  int64     `bun:"last_post_user_id,nullzero"`
	LastPostActorID int64     `bun:"last_post_actor_id,nullzero"`
	APID            string    `bun:"ap_id,nullzero"`   // a remote thread's ActivityPub id
	Context         string    `bun:"context,nullzero"` // its FEP-7888 context, when it differs
	URL             string    `bun:"url"`              // a remote thread's page
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`

	// Filled by ForumThread and ForumThreads.
	Category   string      `bun:"-"` // the category's handle
	Author     ForumAuthor `bun:"-"`
	LastPoster ForumAuthor `bun:"-"`
	Followed   bool        `bun:"-"` // by ThreadQuery.Viewer
	LastRead   int64       `bun:"-"` // the viewer's last read post
}

// Replies is the number of visible posts after the opening one.
func (t *ForumThread) Replies() int { return max(t.PostCount-1, 0) }

// Unread reports whether the viewer follows the thread and it has posts
// they have not seen.
func (t *ForumThread) Unread() bool { return t.Followed && t.LastPostID > t.LastRead }

// ForumPost is a post in a thread. A deleted post (DeletedAt set by its
// author) stays as a marker; a hidden one (by a moderator) is seen only by
// moderators.
type ForumPost struct {
	bun.BaseModel `bun:"table:forum_posts,alias:p"`

	ID            int64     `bun:"id,pk,autoincrement"`
	ThreadID      int64     `bun:"thread_id"`
	AuthorUserID  int64     `bun:"author_user_id,nullzero"`
	AuthorActorID int64     `bun:"author_actor_id,nullzero"`
	Lang          Lang      `bun:"lang"`
	BodyMD        string    `bun:"body_md"`
	BodyHTML      string    `bun:"body_html"` // sanitised
	QuoteOf       int64     `bun:"quote_of,nullzero"`
	Hidden        bool      `bun:"hidden"`
	APID          string    `bun:"ap_id,nullzero"`
	URL           string    `bun:"url"`
	CreatedAt     time.Time `bun:"created_at"`
	EditedAt      time.Time `bun:"edited_at,nullzero"`
	DeletedAt     time.Time `bun:"deleted_at,nullzero"`

	// Mentions are the local users the post mentions, stored with it by
	// CreateForumThread, CreateForumPost and EditForumPost.
	Mentions []int64 `bun:"-"`
	// FromGroup marks a post a partner's Group announced: the Group took it
	// into its thread already, so CreateForumPost stores it even when the
	// thread is locked here (the lock may have arrived first).
	FromGroup bool `bun:"-"`

	// Filled by the queries that read posts.
	Author ForumAuthor `bun:"-"`
	Thread ThreadRef   `bun:"-"`
	Quote  *ForumQuote `bun:"-"` // the quoted post, when QuoteOf is set and it exists
}

// Deleted reports whether the author deleted the post.
func (p *ForumPost) Deleted() bool { return !p.DeletedAt.IsZero() }

// Edited reports whether the post was changed after it was written.
func (p *ForumPost) Edited() bool { return !p.EditedAt.IsZero() }

// ThreadRef is what a post's page needs of its thread.
type ThreadRef struct {
	ID          int64
	Title       string
	Lang        Lang
	Hidden      bool
	Locked      bool
	FirstPostID int64
	Category    string // the category's handle
}

// ForumQuote is the post a post quotes, as far as a page shows it.
type ForumQuote struct {
	ID       int64
	Author   ForumAuthor
	Lang     Lang
	BodyHTML string
	Hidden   bool
	Deleted  bool
}

// ValidPostLang reports whether l can be the language of a post: a
// language tag as ContentLang writes it, such as "bg", "uk" or "pt-br", or
// Undetermined when it is not known.
func ValidPostLang(l Lang) bool { return l == Undetermined || l.Valid() }

func (p *ForumPost) validate() error {
	p.BodyMD = strings.TrimSpace(p.BodyMD)
	switch {
	case !ValidPostLang(p.Lang):
		return fmt.Errorf("%w: %q is not a language tag", ErrInvalid, p.Lang)
	case (p.AuthorUserID == 0) == (p.AuthorActorID == 0):
		return fmt.Errorf("%w: a post needs exactly one author, a user or an actor", ErrInvalid)
	case strings.TrimSpace(p.BodyHTML) == "":
		return fmt.Errorf("%w: the post is empty", ErrInvalid)
	case utf8.RuneCountInString(p.BodyMD) > MaxPostLen || len(p.BodyHTML) > 8*MaxPostLen:
		return fmt.Errorf("%w: the post is too long", ErrInvalid)
	case len(p.Mentions) > MaxMentions:
		return fmt.Errorf("%w: too many mentions", ErrInvalid)
	}
	return nil
}

func validTitle(title string) (string, error) {
	title = strings.Join(strings.Fields(title), " ")
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return "", fmt.Errorf("%w: a thread needs a title", ErrInvalid)
	case n > MaxThreadTitleLen:
		return "", fmt.Errorf("%w: the title is too long", ErrInvalid)
	}
	return title, nil
}

// CreateForumThread stores a new thread in its category with its opening
// post, and sets t.ID, first.ID and the thread's counters. The thread takes
// its author and language from the post. Times left zero are now (remote
// threads keep their own).
func (s *Store) CreateForumThread(ctx context.Context, t *ForumThread, first *ForumPost) error {
	const op = "db: create forum thread"
	var err error
	if t.Title, err = validTitle(t.Title); err != nil {
		return wrap(op, err)
	}
	if err := first.validate(); err != nil {
		return wrap(op, err)
	}
	if first.QuoteOf != 0 {
		return wrap(op, fmt.Errorf("%w: an opening post cannot quote", ErrInvalid))
	}
	now := s.utcNow()
	if first.CreatedAt.IsZero() {
		first.CreatedAt = now
	}
	first.CreatedAt = first.CreatedAt.UTC().Truncate(time.Microsecond)
	t.Lang, t.AuthorUserID, t.AuthorActorID = first.Lang, first.AuthorUserID, first.AuthorActorID
	t.CreatedAt, t.UpdatedAt, t.LastPostAt = first.CreatedAt, now, first.CreatedAt
	t.LastPostUserID, t.LastPostActorID = first.AuthorUserID, first.AuthorActorID
	t.PostCount = 1
	if first.Hidden {
		t.PostCount = 0
	}
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var n int
		if err := tx.w.NewRaw("SELECT COUNT(*) FROM forum_categories WHERE id = ?", t.CategoryID).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("category %d: %w", t.CategoryID, ErrNotFound)
		}
		if t.AuthorUserID != 0 {
			if err := tx.ensureProfile(ctx, t.AuthorUserID); err != nil {
				return err
			}
		}
		if _, err := tx.w.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
			return err
		}
		first.ThreadID = t.ID
		if _, err := tx.w.NewInsert().Model(first).Returning("id").Exec(ctx); err != nil {
			return err
		}
		t.FirstPostID, t.LastPostID = first.ID, first.ID
		if _, err := tx.w.NewUpdate().Model(t).Column("first_post_id", "last_post_id").WherePK().Exec(ctx); err != nil {
			return err
		}
		tx.touchedForum(ctx)
		if t.APID == "" {
			if err := tx.forumChanged(ctx, OutboxForumThread, t.ID, ActionCreate); err != nil {
				return err
			}
		}
		return tx.replaceMentions(ctx, first)
	}))
}

// threadState reads what a change to a thread or its posts must check,
// inside its transaction.
func (s *Store) threadState(ctx context.Context, id int64) (locked, hidden bool, err error) {
	err = s.w.NewSelect().Model((*ForumThread)(nil)).Column("locked", "hidden").Where("id = ?", id).Scan(ctx, &locked, &hidden)
	return locked, hidden, err
}

// The subjects of the outbox events that forum writes record in the
// transaction of the change, for federation (FEP-1b12) to turn into
// activities; SubjectID is the thread's or the post's id. The actions keep
// their meaning: a thread or post became visible (written here, or shown
// again by a moderator), changed while visible, or stopped being visible
// (deleted by its author, hidden by a moderator). Posts and threads that
// arrived over federation record events only for moderation, which the
// category's Group federates.
const (
	OutboxForumThread = "forum_thread"
	OutboxForumPost   = "forum_post"
	// OutboxForumCategory: a local category was created (ActionCreate) or
	// its names changed (ActionUpdate); its Group tells its followers.
	OutboxForumCategory = "forum_category"
)

// forumChanged records an outbox event for federation; it must run in the
// transaction of the change.
func (s *Store) forumChanged(ctx context.Context, subject string, id int64, a Action) error {
	_, err := s.w.NewInsert().Model(&OutboxEvent{Subject: subject, SubjectID: id, Action: a, CreatedAt: s.utcNow()}).Exec(ctx)
	if err == nil {
		s.queued(ctx)
	}
	return err
}

// setThreadFlag sets one of a thread's moderation flags.
func (s *Store) setThreadFlag(ctx context.Context, op string, id int64, column string, on bool) error {
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		_, hidden, err := tx.threadState(ctx, id)
		if err != nil {
			return err
		}
		_, err = tx.w.NewUpdate().Model((*ForumThread)(nil)).Set("? = ?", bun.Ident(column), on).
			Set("updated_at = ?", tx.utcNow()).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		tx.touchedForum(ctx)
		switch {
		case column == "hidden" && on != hidden:
			a := ActionCreate
			if on {
				a = ActionDelete
			}
			return tx.forumChanged(ctx, OutboxForumThread, id, a)
		case column != "hidden" && !hidden:
			return tx.forumChanged(ctx, OutboxForumThread, id, ActionUpdate)
		}
		return nil
	}))
}

// SetThreadPinned pins a thread to the top of its category, or unpins it.
func (s *Store) SetThreadPinned(ctx context.Context, id int64, on bool) error {
	return s.setThreadFlag(ctx, "db: set thread pinned", id, "pinned", on)
}

// SetThreadLocked locks a thread against new posts and edits, or unlocks
// it.
func (s *Store) SetThreadLocked(ctx context.Context, id int64, on bool) error {
	return s.setThreadFlag(ctx, "db: set thread locked", id, "locked", on)
}

// SetThreadHidden hides a thread from everyone but moderators, or shows it
// again.
func (s *Store) SetThreadHidden(ctx context.Context, id int64, on bool) error {
	return s.setThreadFlag(ctx, "db: set thread hidden", id, "hidden", on)
}

// MoveThread moves a thread to another category.
func (s *Store) MoveThread(ctx context.Context, id, categoryID int64) error {
	const op = "db: move thread"
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var n int
		if err := tx.w.NewRaw("SELECT COUNT(*) FROM forum_categories WHERE id = ?", categoryID).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("category %d: %w", categoryID, ErrNotFound)
		}
		res, err := tx.w.NewUpdate().Model((*ForumThread)(nil)).Set("category_id = ?", categoryID).
			Set("updated_at = ?", tx.utcNow()).Where("id = ?", id).Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		tx.touchedForum(ctx)
		return tx.forumChanged(ctx, OutboxForumThread, id, ActionUpdate)
	}))
}

// refreshThread recounts a thread's visible posts and finds its last one,
// after a post was hidden or shown again.
func (s *Store) refreshThread(ctx context.Context, id int64) error {
	var last struct {
		ID            int64     `bun:"id"`
		CreatedAt     time.Time `bun:"created_at"`
		AuthorUserID  int64     `bun:"author_user_id"`
		AuthorActorID int64     `bun:"author_actor_id"`
	}
	var count int
	if err := s.w.NewRaw("SELECT COUNT(*) FROM forum_posts WHERE thread_id = ? AND NOT hidden", id).Scan(ctx, &count); err != nil {
		return err
	}
	err := s.w.NewRaw(`
		SELECT id, created_at, author_user_id, author_actor_id FROM forum_posts
		WHERE thread_id = ? AND NOT hidden ORDER BY id DESC LIMIT 1`, id).Scan(ctx, &last)
	switch {
	case err == nil:
	case isNoRows(err):
		// Every post is hidden: the thread's own start stands in.
		err = s.w.NewRaw(`SELECT 0 AS id, created_at, author_user_id, author_actor_id FROM forum_threads WHERE id = ?`, id).Scan(ctx, &last)
		if err != nil {
			return err
		}
	default:
		return err
	}
	q := s.w.NewUpdate().Model((*ForumThread)(nil)).Set("post_count = ?", count).Set("last_post_at = ?", last.CreatedAt).
		Set("last_post_id = ?", nullID(last.ID)).Set("last_post_user_id = ?", nullID(last.AuthorUserID)).
		Set("last_post_actor_id = ?", nullID(last.AuthorActorID)).Where("id = ?", id)
	_, err = q.Exec(ctx)
	return err
}

// nullID is NULL for 0, for the nullable id columns written with Set.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ThreadQuery selects threads for a listing. Zero fields do not filter.
type ThreadQuery struct {
	CategoryID   int64
	Viewer       int64 // the signed-in user, whose follows and read marks are read
	FollowedOnly bool  // only threads the Viewer follows
	WithHidden   bool  // include hidden threads (moderators)
	Limit        int
	Offset       int
}

// threadRow is a thread as threadSelect reads it.
type threadRow struct {
	ForumThread `bun:",extend"`
	CatHandle   string     `bun:"category_handle"`
	O           authorCols `bun:"embed:o_"`
	L           authorCols `bun:"embed:l_"`
	Followed    bool       `bun:"followed"`
	LastRead    int64      `bun:"last_read"`
}

func (r *threadRow) thread() *ForumThread {
	t := r.ForumThread
	t.Category, t.Author, t.LastPoster = r.CatHandle, r.O.author(), r.L.author()
	t.Followed, t.LastRead = r.Followed, r.LastRead
	return &t
}

// threadSelect reads threads with their category's handle, their author,
// their last poster and the follow of the viewer, whose id is the query's
// first argument, in one query; followJoin is "LEFT JOIN" for every thread
// or "JOIN" for the followed ones only. The caller adds WHERE and what
// follows.
func threadSelect(followJoin string) string {
	return `
		SELECT t.id, t.category_id, t.title, t.lang, t.author_user_id, t.author_actor_id, t.pinned, t.locked, t.hidden,
		       t.item_id, t.post_count, t.first_post_id, t.last_post_id, t.last_post_at, t.last_post_user_id,
		       t.last_post_actor_id, t.ap_id, t.context, t.url, t.created_at, t.updated_at,
		       c.handle AS category_handle,
		       ` + authorSelect("o_", "t.author_user_id", "t.author_actor_id", "o") + `,
		       ` + authorSelect("l_", "t.last_post_user_id", "t.last_post_actor_id", "l") + `,
		       (f.user_id IS NOT NULL) AS followed, COALESCE(f.last_read_post_id, 0) AS last_read
		FROM forum_threads t
		JOIN forum_categories c ON c.id = t.category_id
		` + authorJoins("t.author_user_id", "t.author_actor_id", "o") +
		authorJoins("t.last_post_user_id", "t.last_post_actor_id", "l") + `
		` + followJoin + ` forum_thread_follows f ON f.thread_id = t.id AND f.user_id = ?`
}

// ForumThread returns a thread (hidden or not) with its category's handle,
// author and last poster, and viewer's follow when viewer is not 0.
func (s *Store) ForumThread(ctx context.Context, id, viewer int64) (*ForumThread, error) {
	var rows []threadRow
	err := s.r.NewRaw(threadSelect("LEFT JOIN")+` WHERE t.id = ?`, viewer, id).Scan(ctx, &rows)
	if err == nil && len(rows) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap("db: forum thread", err)
	}
	return rows[0].thread(), nil
}

// ForumThreads returns the threads q selects: pinned ones first, then by
// latest activity, with what ForumThread adds to each, in one query.
func (s *Store) ForumThreads(ctx context.Context, q ThreadQuery) ([]*ForumThread, error) {
	join := "LEFT JOIN"
	if q.FollowedOnly {
		join = "JOIN"
	}
	where, args := threadFilter(q)
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 30
	}
	order := " ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC"
	if q.FollowedOnly {
		order = " ORDER BY t.last_post_at DESC, t.id DESC"
	}
	var rows []threadRow
	err := s.r.NewRaw(threadSelect(join)+where+order+" LIMIT ? OFFSET ?",
		append(append([]any{q.Viewer}, args...), limit, max(q.Offset, 0))...).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("db: forum threads", err)
	}
	out := make([]*ForumThread, len(rows))
	for i := range rows {
		out[i] = rows[i].thread()
	}
	return out, nil
}

func threadFilter(q ThreadQuery) (string, []any) {
	var conds []string
	var args []any
	if q.CategoryID != 0 {
		conds = append(conds, "t.category_id = ?")
		args = append(args, q.CategoryID)
	}
	if !q.WithHidden {
		conds = append(conds, "NOT t.hidden")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// CountForumThreads returns how many threads q selects, for pagination.
func (s *Store) CountForumThreads(ctx context.Context, q ThreadQuery) (int, error) {
	where, args := threadFilter(q)
	from := " FROM forum_threads t"
	if q.FollowedOnly {
		from += " JOIN forum_thread_follows f ON f.thread_id = t.id AND f.user_id = ?"
		args = append([]any{q.Viewer}, args...)
	}
	var n int
	err := s.r.NewRaw("SELECT COUNT(*)"+from+where, args...).Scan(ctx, &n)
	return n, wrap("db: count forum threads", err)
}

// ForumThreadByItem returns the visible thread an item was shared into,
// the latest if there are several.
func (s *Store) ForumThreadByItem(ctx context.Context, itemID int64) (*ForumThread, error) {
	var id int64
	err := s.r.NewRaw("SELECT id FROM forum_threads WHERE item_id = ? AND NOT hidden ORDER BY id DESC LIMIT 1", itemID).Scan(ctx, &id)
	if err != nil {
		return nil, wrap("db: forum thread by item", err)
	}
	return s.ForumThread(ctx, id, 0)
}
