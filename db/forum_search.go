package db

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"
)

// Forum queries of the feeds and of site search. They read only what a
// visitor sees: no hidden thread, no hidden or deleted post.

// ForumPostPath is the permalink of a post in lang: /bg/forum/posts/42.
func ForumPostPath(lang Lang, id int64) string {
	return "/" + string(lang) + "/forum/posts/" + strconv.FormatInt(id, 10)
}

// ForumCategoryFeedPath is the path of the feed of a category's new
// threads: /bg/feeds/forum/general.atom.
func ForumCategoryFeedPath(lang Lang, handle string, f FeedFormat) string {
	return "/" + string(lang) + "/feeds/forum/" + handle + "." + string(f)
}

// ForumThreadFeedPath is the path of the feed of a thread's new posts:
// /bg/feeds/forum/threads/7.atom.
func ForumThreadFeedPath(lang Lang, id int64, f FeedFormat) string {
	return "/" + string(lang) + "/feeds/forum/threads/" + strconv.FormatInt(id, 10) + "." + string(f)
}

// NewestForumThreads returns a category's newest visible threads, newest
// first by when they were opened, with what ForumThreads adds to each.
func (s *Store) NewestForumThreads(ctx context.Context, categoryID int64, limit int) ([]*ForumThread, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows []threadRow
	err := s.r.NewRaw(threadSelect("LEFT JOIN")+` WHERE t.category_id = ? AND NOT t.hidden ORDER BY t.created_at DESC, t.id DESC LIMIT ?`,
		int64(0), categoryID, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("db: newest forum threads", err)
	}
	out := make([]*ForumThread, len(rows))
	for i := range rows {
		out[i] = rows[i].thread()
	}
	return out, nil
}

// ForumPostsByID returns the visible, undeleted posts among ids, in visible
// threads, by id, with what ForumPosts adds to each, in one query.
func (s *Store) ForumPostsByID(ctx context.Context, ids []int64) (map[int64]*ForumPost, error) {
	out := map[int64]*ForumPost{}
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := s.scanPosts(ctx, postSelect()+` WHERE p.id IN (?) AND NOT p.hidden AND p.deleted_at IS NULL AND NOT t.hidden`, bun.In(ids))
	if err != nil {
		return nil, wrap("db: forum posts by id", err)
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// NewestForumPosts returns a visible thread's newest visible, undeleted
// posts, newest first.
func (s *Store) NewestForumPosts(ctx context.Context, threadID int64, limit int) ([]*ForumPost, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ps, err := s.scanPosts(ctx, postSelect()+` WHERE p.thread_id = ? AND NOT p.hidden AND p.deleted_at IS NULL AND NOT t.hidden ORDER BY p.id DESC LIMIT ?`,
		threadID, limit)
	return ps, wrap("db: newest forum posts", err)
}

// forumSearchHits loads the forum posts among ids (by source) and hands
// each to add with its text: its thread's title and its body. Whatever has
// become hidden or deleted since the match is left out.
func (s *Store) forumSearchHits(ctx context.Context, ids map[SearchSource][]int64, add func(SearchSource, int64, *SearchHit, Text)) error {
	if len(ids[SearchForumPost]) == 0 {
		return nil
	}
	posts, err := s.ForumPostsByID(ctx, ids[SearchForumPost])
	if err != nil {
		return err
	}
	for id, p := range posts {
		add(SearchForumPost, id, &SearchHit{Source: SearchForumPost, ID: id},
			Text{Lang: p.Lang, Title: p.Thread.Title, BodyMD: p.BodyMD, BodyHTML: p.BodyHTML})
	}
	return nil
}
