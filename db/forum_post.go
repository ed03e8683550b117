package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// CreateForumPost adds a reply to its thread and sets p.ID and the
// thread's counters. The thread must exist and be visible (else
// ErrNotFound) and not locked (else ErrLocked); a quoted post must be in
// the same thread.
func (s *Store) CreateForumPost(ctx context.Context, p *ForumPost) error {
	const op = "db: create forum post"
	if err := p.validate(); err != nil {
		return wrap(op, err)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.utcNow()
	}
	p.CreatedAt = p.CreatedAt.UTC().Truncate(time.Microsecond)
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		locked, hidden, err := tx.threadState(ctx, p.ThreadID)
		switch {
		case err != nil:
			return err
		case hidden:
			return fmt.Errorf("thread %d is hidden: %w", p.ThreadID, ErrNotFound)
		case locked && !p.FromGroup:
			return ErrLocked
		}
		if p.QuoteOf != 0 {
			var n int
			if err := tx.w.NewRaw("SELECT COUNT(*) FROM forum_posts WHERE id = ? AND thread_id = ?", p.QuoteOf, p.ThreadID).Scan(ctx, &n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%w: the quoted post is not in this thread", ErrInvalid)
			}
		}
		if p.AuthorUserID != 0 {
			if err := tx.ensureProfile(ctx, p.AuthorUserID); err != nil {
				return err
			}
		}
		if _, err := tx.w.NewInsert().Model(p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if !p.Hidden {
			_, err := tx.w.NewUpdate().Model((*ForumThread)(nil)).Set("post_count = post_count + 1").
				Set("last_post_id = ?", p.ID).Set("last_post_at = ?", p.CreatedAt).
				Set("last_post_user_id = ?", nullID(p.AuthorUserID)).Set("last_post_actor_id = ?", nullID(p.AuthorActorID)).
				Set("updated_at = ?", tx.utcNow()).Where("id = ?", p.ThreadID).Exec(ctx)
			if err != nil {
				return err
			}
		}
		tx.touchedForum(ctx)
		if p.APID == "" {
			if err := tx.forumChanged(ctx, OutboxForumPost, p.ID, ActionCreate); err != nil {
				return err
			}
		}
		return tx.replaceMentions(ctx, p)
	}))
}

// ForumPostEdit is a change of a post's text by its author. Title, when
// not empty, renames the thread too, and is allowed only for its opening
// post.
type ForumPostEdit struct {
	ID       int64
	Lang     Lang
	BodyMD   string
	BodyHTML string
	Title    string
	Mentions []int64
}

// EditForumPost saves a post's new text and marks it edited. Deleted posts
// cannot be edited (ErrNotFound), nor posts in locked threads (ErrLocked).
func (s *Store) EditForumPost(ctx context.Context, e ForumPostEdit) error {
	const op = "db: edit forum post"
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		p := new(ForumPost)
		if err := tx.w.NewSelect().Model(p).Where("id = ?", e.ID).Scan(ctx); err != nil {
			return err
		}
		if p.Deleted() {
			return fmt.Errorf("post %d is deleted: %w", e.ID, ErrNotFound)
		}
		p.Lang, p.BodyMD, p.BodyHTML, p.Mentions = e.Lang, e.BodyMD, e.BodyHTML, e.Mentions
		if err := p.validate(); err != nil {
			return err
		}
		locked, _, err := tx.threadState(ctx, p.ThreadID)
		if err != nil {
			return err
		}
		if locked {
			return ErrLocked
		}
		now := tx.utcNow()
		p.EditedAt = now
		if _, err := tx.w.NewUpdate().Model(p).Column("lang", "body_md", "body_html", "edited_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		var first int64
		if err := tx.w.NewRaw("SELECT COALESCE(first_post_id, 0) FROM forum_threads WHERE id = ?", p.ThreadID).Scan(ctx, &first); err != nil {
			return err
		}
		switch {
		case e.Title != "" && first != p.ID:
			return fmt.Errorf("%w: only the opening post renames a thread", ErrInvalid)
		case first == p.ID:
			q := tx.w.NewUpdate().Model((*ForumThread)(nil)).Set("lang = ?", p.Lang).Set("updated_at = ?", now).Where("id = ?", p.ThreadID)
			if e.Title != "" {
				title, err := validTitle(e.Title)
				if err != nil {
					return err
				}
				q.Set("title = ?", title)
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		tx.touchedForum(ctx)
		if p.APID == "" {
			if err := tx.forumChanged(ctx, OutboxForumPost, p.ID, ActionUpdate); err != nil {
				return err
			}
		}
		return tx.replaceMentions(ctx, p)
	}))
}

// DeleteForumPost marks a post deleted by its author: pages show a marker
// in its place. Its text stays stored for moderators. Deleting it again
// changes nothing.
func (s *Store) DeleteForumPost(ctx context.Context, id int64) error {
	return wrap("db: delete forum post", s.InTx(ctx, func(tx *Store) error {
		var st struct {
			APID      string    `bun:"ap_id"`
			DeletedAt time.Time `bun:"deleted_at"`
		}
		if err := tx.w.NewRaw("SELECT COALESCE(ap_id, '') AS ap_id, deleted_at FROM forum_posts WHERE id = ?", id).Scan(ctx, &st); err != nil {
			return err
		}
		if !st.DeletedAt.IsZero() {
			return nil
		}
		if _, err := tx.w.NewUpdate().Model((*ForumPost)(nil)).Set("deleted_at = ?", tx.utcNow()).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		tx.touchedForum(ctx)
		if st.APID != "" {
			return nil
		}
		return tx.forumChanged(ctx, OutboxForumPost, id, ActionDelete)
	}))
}

// SetForumPostHidden hides a post from everyone but moderators, or shows
// it again, and updates its thread's counters.
func (s *Store) SetForumPostHidden(ctx context.Context, id int64, hidden bool) error {
	return wrap("db: set forum post hidden", s.InTx(ctx, func(tx *Store) error {
		var st struct {
			ThreadID int64 `bun:"thread_id"`
			Hidden   bool  `bun:"hidden"`
		}
		if err := tx.w.NewRaw("SELECT thread_id, hidden FROM forum_posts WHERE id = ?", id).Scan(ctx, &st); err != nil {
			return err
		}
		if st.Hidden == hidden {
			return nil
		}
		if _, err := tx.w.NewUpdate().Model((*ForumPost)(nil)).Set("hidden = ?", hidden).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		tx.touchedForum(ctx)
		a := ActionCreate
		if hidden {
			a = ActionDelete
		}
		if err := tx.forumChanged(ctx, OutboxForumPost, id, a); err != nil {
			return err
		}
		return tx.refreshThread(ctx, st.ThreadID)
	}))
}

// replaceMentions stores the users p mentions, replacing those of an
// earlier version.
func (s *Store) replaceMentions(ctx context.Context, p *ForumPost) error {
	seen := map[int64]bool{}
	var ms []forumMention
	keep := []int64{0}
	for _, u := range p.Mentions {
		if u == 0 || seen[u] || u == p.AuthorUserID {
			continue
		}
		seen[u] = true
		keep = append(keep, u)
		ms = append(ms, forumMention{PostID: p.ID, UserID: u, CreatedAt: s.utcNow()})
	}
	// Mentions that stay keep their time, so an edit notifies only the
	// members it newly mentions.
	if _, err := s.w.NewDelete().Model((*forumMention)(nil)).Where("post_id = ?", p.ID).
		Where("user_id NOT IN (?)", bun.In(keep)).Exec(ctx); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	_, err := s.w.NewInsert().Model(&ms).On("CONFLICT (post_id, user_id) DO NOTHING").Exec(ctx)
	return err
}

// postRow is a post as postSelect reads it.
type postRow struct {
	ForumPost   `bun:",extend"`
	A           authorCols `bun:"embed:a_"`
	ThreadTitle string     `bun:"thread_title"`
	ThreadLang  Lang       `bun:"thread_lang"`
	ThreadHid   bool       `bun:"thread_hidden"`
	ThreadLock  bool       `bun:"thread_locked"`
	ThreadFirst int64      `bun:"thread_first_post_id"`
	CatHandle   string     `bun:"category_handle"`
	QID         int64      `bun:"q_id"`
	QLang       Lang       `bun:"q_lang"`
	QBody       string     `bun:"q_body_html"`
	QHidden     bool       `bun:"q_hidden"`
	QDeleted    time.Time  `bun:"q_deleted_at"`
	QA          authorCols `bun:"embed:qa_"`
}

func (r *postRow) post() *ForumPost {
	p := r.ForumPost
	p.Author = r.A.author()
	p.Thread = ThreadRef{ID: p.ThreadID, Title: r.ThreadTitle, Lang: r.ThreadLang, Hidden: r.ThreadHid, Locked: r.ThreadLock,
		FirstPostID: r.ThreadFirst, Category: r.CatHandle}
	if r.QID != 0 {
		p.Quote = &ForumQuote{ID: r.QID, Author: r.QA.author(), Lang: r.QLang, BodyHTML: r.QBody, Hidden: r.QHidden, Deleted: !r.QDeleted.IsZero()}
	}
	return &p
}

// postSelectHead is the column list of postSelect.
const postSelectHead = `
		SELECT p.id, p.thread_id, p.author_user_id, p.author_actor_id, p.lang, p.body_md, p.body_html, p.quote_of,
		       p.hidden, p.ap_id, p.url, p.created_at, p.edited_at, p.deleted_at,
		       t.title AS thread_title, t.lang AS thread_lang, t.hidden AS thread_hidden, t.locked AS thread_locked,
		       COALESCE(t.first_post_id, 0) AS thread_first_post_id, c.handle AS category_handle,
		       COALESCE(q.id, 0) AS q_id, COALESCE(q.lang, '') AS q_lang, COALESCE(q.body_html, '') AS q_body_html,
		       COALESCE(q.hidden, FALSE) AS q_hidden, q.deleted_at AS q_deleted_at,`

// postSelect reads posts with their author, their thread's title and
// category, and the post each quotes with its author, in one query; the
// caller adds WHERE and what follows.
func postSelect() string {
	return postSelectHead + `
		       ` + authorSelect("a_", "p.author_user_id", "p.author_actor_id", "a") + `,
		       ` + authorSelect("qa_", "q.author_user_id", "q.author_actor_id", "qa") + `
		FROM forum_posts p
		JOIN forum_threads t ON t.id = p.thread_id
		JOIN forum_categories c ON c.id = t.category_id
		LEFT JOIN forum_posts q ON q.id = p.quote_of` +
		authorJoins("p.author_user_id", "p.author_actor_id", "a") +
		authorJoins("q.author_user_id", "q.author_actor_id", "qa")
}

func (s *Store) scanPosts(ctx context.Context, query string, args ...any) ([]*ForumPost, error) {
	var rows []postRow
	if err := s.r.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]*ForumPost, len(rows))
	for i := range rows {
		out[i] = rows[i].post()
	}
	return out, nil
}

// ForumPost returns a post, hidden, deleted or not, with what ForumPosts
// adds to each.
func (s *Store) ForumPost(ctx context.Context, id int64) (*ForumPost, error) {
	ps, err := s.scanPosts(ctx, postSelect()+" WHERE p.id = ?", id)
	if err == nil && len(ps) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap("db: forum post", err)
	}
	return ps[0], nil
}

// PostQuery selects a page of a thread's posts.
type PostQuery struct {
	ThreadID   int64
	WithHidden bool // include hidden posts (moderators)
	Limit      int
	Offset     int
}

// ForumPosts returns the posts of a thread in order, with their authors,
// thread and quoted posts, in one query whatever the page's size.
func (s *Store) ForumPosts(ctx context.Context, q PostQuery) ([]*ForumPost, error) {
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 30
	}
	// The page's ids come from the (thread_id, hidden, id) index alone, so
	// a deep OFFSET skips index entries, not joined rows.
	page := "SELECT id FROM forum_posts WHERE thread_id = ?"
	if !q.WithHidden {
		page += " AND NOT hidden"
	}
	page += " ORDER BY id LIMIT ? OFFSET ?"
	ps, err := s.scanPosts(ctx, postSelect()+" WHERE p.id IN ("+page+") ORDER BY p.id", q.ThreadID, limit, max(q.Offset, 0))
	return ps, wrap("db: forum posts", err)
}

// CountForumPosts returns how many posts a thread has, hidden ones
// included when withHidden is set.
func (s *Store) CountForumPosts(ctx context.Context, threadID int64, withHidden bool) (int, error) {
	query := "SELECT COUNT(*) FROM forum_posts WHERE thread_id = ?"
	if !withHidden {
		query += " AND NOT hidden"
	}
	var n int
	err := s.r.NewRaw(query, threadID).Scan(ctx, &n)
	return n, wrap("db: count forum posts", err)
}

// ForumPostIndex returns how many posts of p's thread come before p, hidden
// ones counted only when withHidden is set: p's place in the thread, from 0.
func (s *Store) ForumPostIndex(ctx context.Context, p *ForumPost, withHidden bool) (int, error) {
	query := "SELECT COUNT(*) FROM forum_posts WHERE thread_id = ? AND id < ?"
	if !withHidden {
		query += " AND NOT hidden"
	}
	var n int
	err := s.r.NewRaw(query, p.ThreadID, p.ID).Scan(ctx, &n)
	return n, wrap("db: forum post index", err)
}

// FirstForumPostAfter returns the id of the first post of a thread after
// the post with id after (visible ones only unless withHidden), or
// ErrNotFound when there is none.
func (s *Store) FirstForumPostAfter(ctx context.Context, threadID, after int64, withHidden bool) (int64, error) {
	query := "SELECT id FROM forum_posts WHERE thread_id = ? AND id > ?"
	if !withHidden {
		query += " AND NOT hidden"
	}
	var id int64
	err := s.r.NewRaw(query+" ORDER BY id LIMIT 1", threadID, after).Scan(ctx, &id)
	return id, wrap("db: first forum post after", err)
}

// CountForumPostsSince returns how many posts (opening posts included) a
// user wrote since the given time, for the posting limit of new members.
func (s *Store) CountForumPostsSince(ctx context.Context, userID int64, since time.Time) (int, error) {
	var n int
	err := s.r.NewRaw("SELECT COUNT(*) FROM forum_posts WHERE author_user_id = ? AND created_at >= ?", userID, since.UTC()).Scan(ctx, &n)
	return n, wrap("db: count forum posts since", err)
}

// MemberPostQuery selects the posts of one member, or those that mention
// one, newest first.
type MemberPostQuery struct {
	UserID     int64
	Mentioning bool // the posts that mention UserID instead of those by UserID
	WithHidden bool // include hidden posts and posts in hidden threads (moderators)
	Limit      int
	Offset     int
}

func memberPostFilter(q MemberPostQuery) string {
	var conds []string
	if q.Mentioning {
		conds = append(conds, "EXISTS (SELECT 1 FROM forum_mentions m WHERE m.post_id = p.id AND m.user_id = ?)")
	} else {
		conds = append(conds, "p.author_user_id = ?")
	}
	if !q.WithHidden {
		conds = append(conds, "NOT p.hidden", "NOT t.hidden")
	}
	if q.Mentioning {
		conds = append(conds, "p.deleted_at IS NULL")
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// MemberPosts returns the posts q selects, newest first, in one query.
func (s *Store) MemberPosts(ctx context.Context, q MemberPostQuery) ([]*ForumPost, error) {
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 30
	}
	ps, err := s.scanPosts(ctx, postSelect()+memberPostFilter(q)+" ORDER BY p.id DESC LIMIT ? OFFSET ?", q.UserID, limit, max(q.Offset, 0))
	return ps, wrap("db: member posts", err)
}

// CountMemberPosts returns how many posts q selects, for pagination.
func (s *Store) CountMemberPosts(ctx context.Context, q MemberPostQuery) (int, error) {
	var n int
	err := s.r.NewRaw("SELECT COUNT(*) FROM forum_posts p JOIN forum_threads t ON t.id = p.thread_id"+memberPostFilter(q), q.UserID).Scan(ctx, &n)
	return n, wrap("db: count member posts", err)
}
