-- Full-text search over the texts of items, handbook chapters, handbook
-- introductions and static pages, in every language.
--
-- SQLite: one contentless FTS5 index (search_fts) whose rowids are the ids of
-- search_docs, which says what each indexed text is (source, parent id,
-- language). Triggers on the four *_translations tables keep both in sync,
-- whoever writes them. unicode61 folds case (Cyrillic too) and, with
-- remove_diacritics 2, accents.
--
-- PostgreSQL: a generated tsvector column on each *_translations table with
-- the 'simple' configuration (no stemming; PostgreSQL has no Bulgarian one)
-- and a GIN index. Title weighs A, summary B, body C. Lower-casing Cyrillic
-- needs a database with a UTF-8 ctype (see README).
--
-- The body indexed is the Markdown source when there is one, else the
-- stored HTML (remote items); the portal builds snippets from plain text.
{{if .PG}}
ALTER TABLE item_translations ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, summary), 'B') ||
    setweight(to_tsvector('simple'::regconfig, regexp_replace(COALESCE(NULLIF(body_md, ''), body_html), '<[^>]*>', ' ', 'g')), 'C')
) STORED;
--bun:split
CREATE INDEX item_translations_search ON item_translations USING GIN (search_tsv);
--bun:split
ALTER TABLE chapter_translations ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, summary), 'B') ||
    setweight(to_tsvector('simple'::regconfig, regexp_replace(COALESCE(NULLIF(body_md, ''), body_html), '<[^>]*>', ' ', 'g')), 'C')
) STORED;
--bun:split
CREATE INDEX chapter_translations_search ON chapter_translations USING GIN (search_tsv);
--bun:split
ALTER TABLE handbook_translations ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, summary), 'B') ||
    setweight(to_tsvector('simple'::regconfig, regexp_replace(COALESCE(NULLIF(body_md, ''), body_html), '<[^>]*>', ' ', 'g')), 'C')
) STORED;
--bun:split
CREATE INDEX handbook_translations_search ON handbook_translations USING GIN (search_tsv);
--bun:split
ALTER TABLE page_translations ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, summary), 'B') ||
    setweight(to_tsvector('simple'::regconfig, regexp_replace(COALESCE(NULLIF(body_md, ''), body_html), '<[^>]*>', ' ', 'g')), 'C')
) STORED;
--bun:split
CREATE INDEX page_translations_search ON page_translations USING GIN (search_tsv);
{{else}}CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    parent_id BIGINT NOT NULL,
    lang TEXT NOT NULL
);
--bun:split
CREATE UNIQUE INDEX search_docs_parent ON search_docs (source, parent_id, lang);
--bun:split
CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
--bun:split
CREATE TRIGGER item_translations_search_insert AFTER INSERT ON item_translations BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('item', NEW.item_id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'item' AND parent_id = NEW.item_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
CREATE TRIGGER item_translations_search_delete AFTER DELETE ON item_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'item' AND parent_id = OLD.item_id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'item' AND parent_id = OLD.item_id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER item_translations_search_update AFTER UPDATE ON item_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'item' AND parent_id = OLD.item_id AND lang = OLD.lang);
    UPDATE search_docs SET parent_id = NEW.item_id, lang = NEW.lang WHERE source = 'item' AND parent_id = OLD.item_id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'item' AND parent_id = NEW.item_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'item', item_id, lang FROM item_translations;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, t.title, t.summary, COALESCE(NULLIF(t.body_md, ''), t.body_html) FROM item_translations t
JOIN search_docs d ON d.source = 'item' AND d.parent_id = t.item_id AND d.lang = t.lang;
--bun:split
CREATE TRIGGER chapter_translations_search_insert AFTER INSERT ON chapter_translations BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('chapter', NEW.chapter_id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'chapter' AND parent_id = NEW.chapter_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
CREATE TRIGGER chapter_translations_search_delete AFTER DELETE ON chapter_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'chapter' AND parent_id = OLD.chapter_id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'chapter' AND parent_id = OLD.chapter_id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER chapter_translations_search_update AFTER UPDATE ON chapter_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'chapter' AND parent_id = OLD.chapter_id AND lang = OLD.lang);
    UPDATE search_docs SET parent_id = NEW.chapter_id, lang = NEW.lang WHERE source = 'chapter' AND parent_id = OLD.chapter_id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'chapter' AND parent_id = NEW.chapter_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'chapter', chapter_id, lang FROM chapter_translations;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, t.title, t.summary, COALESCE(NULLIF(t.body_md, ''), t.body_html) FROM chapter_translations t
JOIN search_docs d ON d.source = 'chapter' AND d.parent_id = t.chapter_id AND d.lang = t.lang;
--bun:split
CREATE TRIGGER handbook_translations_search_insert AFTER INSERT ON handbook_translations BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('handbook', NEW.handbook_id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'handbook' AND parent_id = NEW.handbook_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
CREATE TRIGGER handbook_translations_search_delete AFTER DELETE ON handbook_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'handbook' AND parent_id = OLD.handbook_id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'handbook' AND parent_id = OLD.handbook_id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER handbook_translations_search_update AFTER UPDATE ON handbook_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'handbook' AND parent_id = OLD.handbook_id AND lang = OLD.lang);
    UPDATE search_docs SET parent_id = NEW.handbook_id, lang = NEW.lang WHERE source = 'handbook' AND parent_id = OLD.handbook_id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'handbook' AND parent_id = NEW.handbook_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'handbook', handbook_id, lang FROM handbook_translations;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, t.title, t.summary, COALESCE(NULLIF(t.body_md, ''), t.body_html) FROM handbook_translations t
JOIN search_docs d ON d.source = 'handbook' AND d.parent_id = t.handbook_id AND d.lang = t.lang;
--bun:split
CREATE TRIGGER page_translations_search_insert AFTER INSERT ON page_translations BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('page', NEW.page_id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'page' AND parent_id = NEW.page_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
CREATE TRIGGER page_translations_search_delete AFTER DELETE ON page_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'page' AND parent_id = OLD.page_id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'page' AND parent_id = OLD.page_id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER page_translations_search_update AFTER UPDATE ON page_translations BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'page' AND parent_id = OLD.page_id AND lang = OLD.lang);
    UPDATE search_docs SET parent_id = NEW.page_id, lang = NEW.lang WHERE source = 'page' AND parent_id = OLD.page_id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'page' AND parent_id = NEW.page_id AND lang = NEW.lang), NEW.title, NEW.summary, COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'page', page_id, lang FROM page_translations;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, t.title, t.summary, COALESCE(NULLIF(t.body_md, ''), t.body_html) FROM page_translations t
JOIN search_docs d ON d.source = 'page' AND d.parent_id = t.page_id AND d.lang = t.lang;
{{end}}
