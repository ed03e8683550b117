-- The forum's moderation log: who pinned, locked, moved, hid or showed
-- which thread or post, and when. It is public (as Lemmy's is), and
-- federation reads it to send a moderator's own activity.
CREATE TABLE forum_mod_log (
    id {{.ID}},
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    thread_id BIGINT REFERENCES forum_threads (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES forum_posts (id) ON DELETE CASCADE,
    detail TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX forum_mod_log_thread ON forum_mod_log (thread_id, id);
--bun:split
CREATE INDEX forum_mod_log_post ON forum_mod_log (post_id, id);
