-- The forum: categories with their translations, threads, posts, members'
-- forum handles, thread follows with read marks, reports and mentions.
--
-- Authors are local users (author_user_id) or remote actors
-- (author_actor_id, for federation); exactly one is set when a row is
-- written, and either becomes NULL if its user or actor is deleted. Rows
-- that came over federation carry their ActivityPub id in ap_id (unique);
-- local rows leave it NULL, since their ids are built from the base URL.
-- Counters kept in rows (post_count, last_post_*) are maintained by the
-- store in the transaction of each change. Times are written from Go.

CREATE TABLE forum_categories (
    id {{.ID}},
    handle TEXT NOT NULL,
    position INTEGER NOT NULL,
    remote BOOLEAN NOT NULL DEFAULT FALSE,
    ap_id TEXT,
    url TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
-- Local handles are the categories' fediverse names (@handle@host); remote
-- categories are stored as name@host, so one index keeps both unique.
CREATE UNIQUE INDEX forum_categories_handle ON forum_categories (handle);
--bun:split
CREATE UNIQUE INDEX forum_categories_ap_id ON forum_categories (ap_id);
--bun:split
CREATE INDEX forum_categories_position ON forum_categories (position, id);
--bun:split
CREATE TABLE forum_category_translations (
    category_id BIGINT NOT NULL REFERENCES forum_categories (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category_id, lang)
);
--bun:split
CREATE TABLE forum_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle TEXT NOT NULL,
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX forum_profiles_handle ON forum_profiles (handle);
--bun:split
CREATE TABLE forum_threads (
    id {{.ID}},
    category_id BIGINT NOT NULL REFERENCES forum_categories (id),
    title TEXT NOT NULL,
    lang TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    item_id BIGINT REFERENCES items (id) ON DELETE SET NULL,
    post_count INTEGER NOT NULL DEFAULT 0,
    first_post_id BIGINT,
    last_post_id BIGINT,
    last_post_at {{.Time}} NOT NULL,
    last_post_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    last_post_actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    ap_id TEXT,
    context TEXT,
    url TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
-- A category's thread list: pinned first, then by latest activity.
CREATE INDEX forum_threads_listing ON forum_threads (category_id, hidden, pinned, last_post_at, id);
--bun:split
CREATE UNIQUE INDEX forum_threads_ap_id ON forum_threads (ap_id);
--bun:split
CREATE INDEX forum_threads_context ON forum_threads (context);
--bun:split
CREATE INDEX forum_threads_item ON forum_threads (item_id);
--bun:split
CREATE TABLE forum_posts (
    id {{.ID}},
    thread_id BIGINT NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    author_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    lang TEXT NOT NULL,
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    quote_of BIGINT REFERENCES forum_posts (id) ON DELETE SET NULL,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    ap_id TEXT,
    url TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    edited_at {{.Time}},
    deleted_at {{.Time}}
);
--bun:split
-- A thread's pages for visitors (hidden posts left out) and for moderators.
CREATE INDEX forum_posts_thread_visible ON forum_posts (thread_id, hidden, id);
--bun:split
CREATE INDEX forum_posts_thread ON forum_posts (thread_id, id);
--bun:split
-- A member's posts (profile page, posting rate limit).
CREATE INDEX forum_posts_author ON forum_posts (author_user_id, created_at);
--bun:split
CREATE INDEX forum_posts_actor ON forum_posts (author_actor_id);
--bun:split
CREATE UNIQUE INDEX forum_posts_ap_id ON forum_posts (ap_id);
--bun:split
CREATE TABLE forum_thread_follows (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    last_read_post_id BIGINT NOT NULL DEFAULT 0,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);
--bun:split
CREATE INDEX forum_thread_follows_thread ON forum_thread_follows (thread_id);
--bun:split
CREATE TABLE forum_reports (
    id {{.ID}},
    post_id BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    reporter_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reporter_actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    ap_id TEXT,
    created_at {{.Time}} NOT NULL,
    resolved_at {{.Time}},
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
--bun:split
CREATE INDEX forum_reports_open ON forum_reports (id) WHERE resolved_at IS NULL;
--bun:split
CREATE INDEX forum_reports_post ON forum_reports (post_id);
--bun:split
CREATE UNIQUE INDEX forum_reports_ap_id ON forum_reports (ap_id);
--bun:split
CREATE TABLE forum_mentions (
    post_id BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {{.Time}} NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
--bun:split
CREATE INDEX forum_mentions_user ON forum_mentions (user_id, post_id);
