package db

import "context"

// ForumThreadIDByAPID returns the thread a federated ActivityPub id
// belongs to: a remote thread's id or context, or a remote post's id.
func (s *Store) ForumThreadIDByAPID(ctx context.Context, apID string) (int64, error) {
	var ids []int64
	err := s.r.NewRaw("SELECT id FROM forum_threads WHERE ap_id = ? OR context = ? "+
		"UNION ALL SELECT thread_id FROM forum_posts WHERE ap_id = ? LIMIT 1", apID, apID, apID).Scan(ctx, &ids)
	if err != nil {
		return 0, wrap("db: forum thread by ActivityPub id", err)
	}
	if len(ids) == 0 {
		return 0, wrap("db: forum thread by ActivityPub id", ErrNotFound)
	}
	return ids[0], nil
}

// DeleteRemoteForumPost marks deleted the federated post with ActivityPub
// id apID when actorID wrote it, and reports whether there was one.
func (s *Store) DeleteRemoteForumPost(ctx context.Context, apID string, actorID int64) (bool, error) {
	var ids []int64
	if err := s.r.NewRaw("SELECT id FROM forum_posts WHERE ap_id = ? AND author_actor_id = ?", apID, actorID).Scan(ctx, &ids); err != nil {
		return false, wrap("db: delete remote forum post", err)
	}
	if len(ids) == 0 {
		return false, nil
	}
	return true, s.DeleteForumPost(ctx, ids[0])
}

// UpdateRemoteForumPost replaces the text (and the members it mentions)
// of the federated post with ActivityPub id apID, written by actorID, and
// marks it edited. It reports
// whether there was such a post; a deleted post is left alone, and a post
// in a locked thread too (ErrLocked).
func (s *Store) UpdateRemoteForumPost(ctx context.Context, apID string, actorID int64, lang Lang, bodyHTML string, mentions []int64) (bool, error) {
	const op = "db: update remote forum post"
	p := &ForumPost{Lang: lang, BodyHTML: bodyHTML, AuthorActorID: actorID}
	if err := p.validate(); err != nil {
		return false, wrap(op, err)
	}
	found := false
	err := s.InTx(ctx, func(tx *Store) error {
		var rows []struct {
			ID       int64 `bun:"id"`
			ThreadID int64 `bun:"thread_id"`
		}
		if err := tx.w.NewRaw("SELECT id, thread_id FROM forum_posts WHERE ap_id = ? AND author_actor_id = ? AND deleted_at IS NULL",
			apID, actorID).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		found = true
		locked, _, err := tx.threadState(ctx, rows[0].ThreadID)
		if err != nil {
			return err
		}
		if locked {
			return ErrLocked
		}
		if _, err := tx.w.NewUpdate().Model((*ForumPost)(nil)).Set("lang = ?", lang).Set("body_html = ?", bodyHTML).
			Set("edited_at = ?", tx.utcNow()).Where("id = ?", rows[0].ID).Exec(ctx); err != nil {
			return err
		}
		tx.touchedForum(ctx)
		return tx.replaceMentions(ctx, &ForumPost{ID: rows[0].ID, Mentions: mentions})
	})
	return found, wrap(op, err)
}
