-- Federation state: actors (local, with their keys, and remote, cached),
-- follows in both directions, every activity received or sent (raw JSON
-- kept), the delivery queue, per-host delivery health, domain policies and
-- settings, replies, likes and reports from other servers, blocks received,
-- tombstones of deleted local objects and follow requests queued by the
-- admin pages. Times are written from Go, in UTC, like everywhere else.

CREATE TABLE actors (
    id {{.ID}},
    uri TEXT NOT NULL,
    local BOOLEAN NOT NULL DEFAULT FALSE,
    handle TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    inbox TEXT NOT NULL DEFAULT '',
    shared_inbox TEXT NOT NULL DEFAULT '',
    outbox TEXT NOT NULL DEFAULT '',
    followers TEXT NOT NULL DEFAULT '',
    following TEXT NOT NULL DEFAULT '',
    key_id TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    icon_url TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    raw TEXT NOT NULL DEFAULT '',
    fetched_at {{.Time}},
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX actors_uri ON actors (uri);
--bun:split
-- One flat namespace for the handles of local actors.
CREATE UNIQUE INDEX actors_local_handle ON actors (handle) WHERE local;
--bun:split
CREATE INDEX actors_key_id ON actors (key_id);
--bun:split
CREATE INDEX actors_organisation ON actors (organisation_id);
--bun:split
CREATE TABLE follows (
    id {{.ID}},
    follower_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX follows_pair ON follows (follower_id, followee_id);
--bun:split
CREATE INDEX follows_followee ON follows (followee_id, state);
--bun:split
CREATE INDEX follows_uri ON follows (uri);
--bun:split
CREATE TABLE activities (
    id {{.ID}},
    uri TEXT NOT NULL,
    type TEXT NOT NULL,
    outgoing BOOLEAN NOT NULL,
    public BOOLEAN NOT NULL DEFAULT FALSE,
    actor_uri TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    object_uri TEXT NOT NULL DEFAULT '',
    local_actor_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    raw TEXT NOT NULL,
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX activities_uri ON activities (uri);
--bun:split
CREATE INDEX activities_outbox ON activities (local_actor_id, id) WHERE outgoing AND public;
--bun:split
CREATE INDEX activities_object ON activities (object_uri);
--bun:split
CREATE INDEX activities_host ON activities (host, id);
--bun:split
CREATE TABLE deliveries (
    id {{.ID}},
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Time}} NOT NULL,
    locked_until {{.Time}},
    locked_by TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    finished_at {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX deliveries_activity_inbox ON deliveries (activity_id, inbox);
--bun:split
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
--bun:split
CREATE INDEX deliveries_host ON deliveries (host, state);
--bun:split
CREATE TABLE federation_hosts (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    open_until {{.Time}},
    last_success_at {{.Time}},
    last_failure_at {{.Time}},
    last_error TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE TABLE domain_policies (
    host TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE TABLE federation_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
--bun:split
CREATE TABLE replies (
    id {{.ID}},
    uri TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    in_reply_to TEXT NOT NULL,
    content_html TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    published_at {{.Time}},
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX replies_uri ON replies (uri);
--bun:split
CREATE INDEX replies_item ON replies (item_id, published_at);
--bun:split
CREATE TABLE likes (
    id {{.ID}},
    uri TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX likes_pair ON likes (item_id, actor_id);
--bun:split
CREATE INDEX likes_uri ON likes (uri);
--bun:split
CREATE TABLE reports (
    id {{.ID}},
    uri TEXT NOT NULL,
    actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    content TEXT NOT NULL DEFAULT '',
    objects TEXT NOT NULL DEFAULT '[]',
    resolved_at {{.Time}},
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX reports_uri ON reports (uri);
--bun:split
CREATE TABLE actor_blocks (
    id {{.ID}},
    uri TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX actor_blocks_pair ON actor_blocks (actor_id, target_id);
--bun:split
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    former_type TEXT NOT NULL,
    deleted_at {{.Time}} NOT NULL
);
--bun:split
CREATE TABLE follow_requests (
    id {{.ID}},
    target TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at {{.Time}} NOT NULL,
    processed_at {{.Time}}
);
--bun:split
CREATE INDEX follow_requests_pending ON follow_requests (id) WHERE state = 'pending';
