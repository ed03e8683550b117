{{if .PG}}
DROP INDEX forum_posts_search;
--bun:split
ALTER TABLE forum_posts DROP COLUMN search_tsv;
--bun:split
DROP INDEX forum_threads_search;
--bun:split
ALTER TABLE forum_threads DROP COLUMN search_tsv;
{{else}}
DROP TRIGGER forum_threads_search_insert;
--bun:split
DROP TRIGGER forum_threads_search_delete;
--bun:split
DROP TRIGGER forum_threads_search_update;
--bun:split
DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE source = 'forum_thread');
--bun:split
DELETE FROM search_docs WHERE source = 'forum_thread';
--bun:split
DROP TRIGGER forum_posts_search_insert;
--bun:split
DROP TRIGGER forum_posts_search_delete;
--bun:split
DROP TRIGGER forum_posts_search_update;
--bun:split
DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE source = 'forum_post');
--bun:split
DELETE FROM search_docs WHERE source = 'forum_post';
{{end}}
