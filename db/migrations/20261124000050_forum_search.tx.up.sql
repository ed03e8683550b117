-- Full-text search over the forum: thread titles and the bodies of posts,
-- as 20261124000010_search does for items, chapters, handbooks and pages.
-- Whether a post or thread may be found (not hidden, not deleted, in a
-- visible thread) is decided when searching, so that hiding, deleting and
-- restoring need no re-indexing.
--
-- SQLite: search_docs rows of source 'forum_thread' (parent_id the thread,
-- its title indexed as title) and 'forum_post' (parent_id the post, its
-- Markdown source, or the stored HTML of a remote post, indexed as body),
-- kept in sync by triggers.
--
-- PostgreSQL: a generated tsvector column with a GIN index on forum_threads
-- (title, weight A) and forum_posts (body without tags, weight C).
{{if .PG}}
ALTER TABLE forum_threads ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A')
) STORED;
--bun:split
CREATE INDEX forum_threads_search ON forum_threads USING GIN (search_tsv);
--bun:split
ALTER TABLE forum_posts ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, regexp_replace(COALESCE(NULLIF(body_md, ''), body_html), '<[^>]*>', ' ', 'g')), 'C')
) STORED;
--bun:split
CREATE INDEX forum_posts_search ON forum_posts USING GIN (search_tsv);
{{else}}CREATE TRIGGER forum_threads_search_insert AFTER INSERT ON forum_threads BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('forum_thread', NEW.id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'forum_thread' AND parent_id = NEW.id AND lang = NEW.lang), NEW.title, '', '');
END;
--bun:split
CREATE TRIGGER forum_threads_search_delete AFTER DELETE ON forum_threads BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'forum_thread' AND parent_id = OLD.id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'forum_thread' AND parent_id = OLD.id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER forum_threads_search_update AFTER UPDATE OF title, lang ON forum_threads BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'forum_thread' AND parent_id = OLD.id AND lang = OLD.lang);
    UPDATE search_docs SET lang = NEW.lang WHERE source = 'forum_thread' AND parent_id = OLD.id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'forum_thread' AND parent_id = NEW.id AND lang = NEW.lang), NEW.title, '', '');
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'forum_thread', id, lang FROM forum_threads;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, t.title, '', '' FROM forum_threads t
JOIN search_docs d ON d.source = 'forum_thread' AND d.parent_id = t.id AND d.lang = t.lang;
--bun:split
CREATE TRIGGER forum_posts_search_insert AFTER INSERT ON forum_posts BEGIN
    INSERT INTO search_docs (source, parent_id, lang) VALUES ('forum_post', NEW.id, NEW.lang);
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'forum_post' AND parent_id = NEW.id AND lang = NEW.lang), '', '', COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
CREATE TRIGGER forum_posts_search_delete AFTER DELETE ON forum_posts BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'forum_post' AND parent_id = OLD.id AND lang = OLD.lang);
    DELETE FROM search_docs WHERE source = 'forum_post' AND parent_id = OLD.id AND lang = OLD.lang;
END;
--bun:split
CREATE TRIGGER forum_posts_search_update AFTER UPDATE OF body_md, body_html, lang ON forum_posts BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = 'forum_post' AND parent_id = OLD.id AND lang = OLD.lang);
    UPDATE search_docs SET lang = NEW.lang WHERE source = 'forum_post' AND parent_id = OLD.id AND lang = OLD.lang;
    INSERT INTO search_fts (rowid, title, summary, body) VALUES ((SELECT id FROM search_docs WHERE source = 'forum_post' AND parent_id = NEW.id AND lang = NEW.lang), '', '', COALESCE(NULLIF(NEW.body_md, ''), NEW.body_html));
END;
--bun:split
INSERT INTO search_docs (source, parent_id, lang) SELECT 'forum_post', id, lang FROM forum_posts;
--bun:split
INSERT INTO search_fts (rowid, title, summary, body)
SELECT d.id, '', '', COALESCE(NULLIF(t.body_md, ''), t.body_html) FROM forum_posts t
JOIN search_docs d ON d.source = 'forum_post' AND d.parent_id = t.id AND d.lang = t.lang;
{{end}}
