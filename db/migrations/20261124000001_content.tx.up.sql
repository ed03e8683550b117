-- The content model: users, organisations, items of every kind, handbooks
-- with chapters, static pages and media, each translatable thing with its own
-- *_translations table keyed by (parent, lang). Times are always written from
-- Go (never database defaults) so both engines store the same instants.

CREATE TABLE organisations (
    id {{.ID}},
    handle TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    remote BOOLEAN NOT NULL DEFAULT FALSE,
    actor_id TEXT,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX organisations_handle ON organisations (handle);
--bun:split
CREATE UNIQUE INDEX organisations_actor_id ON organisations (actor_id);
--bun:split
CREATE INDEX organisations_kind_country ON organisations (kind, country);
--bun:split
CREATE TABLE organisation_translations (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, lang)
);
--bun:split
CREATE TABLE users (
    id {{.ID}},
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    lang TEXT NOT NULL DEFAULT 'bg',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX users_email ON users (email);
--bun:split
CREATE TABLE items (
    id {{.ID}},
    kind TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    primary_lang TEXT NOT NULL,
    remote BOOLEAN NOT NULL DEFAULT FALSE,
    ap_id TEXT,
    url TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    published_at {{.Time}},
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL,
    starts_at {{.Time}},
    ends_at {{.Time}},
    time_zone TEXT NOT NULL DEFAULT '',
    all_day BOOLEAN NOT NULL DEFAULT FALSE,
    place_name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    outlet TEXT NOT NULL DEFAULT '',
    external_url TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE UNIQUE INDEX items_ap_id ON items (ap_id);
--bun:split
CREATE INDEX items_listing ON items (kind, status, published_at);
--bun:split
CREATE INDEX items_events ON items (kind, status, starts_at);
--bun:split
CREATE INDEX items_organisation ON items (organisation_id, status, published_at);
--bun:split
CREATE TABLE item_translations (
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, lang)
);
--bun:split
CREATE TABLE handbooks (
    id {{.ID}},
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX handbooks_slug ON handbooks (slug);
--bun:split
CREATE TABLE handbook_translations (
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (handbook_id, lang)
);
--bun:split
CREATE TABLE chapters (
    id {{.ID}},
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX chapters_slug ON chapters (handbook_id, slug);
--bun:split
CREATE TABLE chapter_translations (
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (chapter_id, lang)
);
--bun:split
CREATE TABLE pages (
    id {{.ID}},
    slug TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX pages_slug ON pages (slug);
--bun:split
CREATE TABLE page_translations (
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (page_id, lang)
);
--bun:split
CREATE TABLE media (
    id {{.ID}},
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    original_name TEXT NOT NULL DEFAULT '',
    uploader_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    remote_url TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX media_sha256 ON media (sha256);
--bun:split
CREATE TABLE media_translations (
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (media_id, lang)
);
--bun:split
CREATE TABLE item_media (
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, media_id)
);
