{{if .PG}}
DROP INDEX item_translations_search;
--bun:split
ALTER TABLE item_translations DROP COLUMN search_tsv;
--bun:split
DROP INDEX chapter_translations_search;
--bun:split
ALTER TABLE chapter_translations DROP COLUMN search_tsv;
--bun:split
DROP INDEX handbook_translations_search;
--bun:split
ALTER TABLE handbook_translations DROP COLUMN search_tsv;
--bun:split
DROP INDEX page_translations_search;
--bun:split
ALTER TABLE page_translations DROP COLUMN search_tsv;
{{else}}
DROP TRIGGER item_translations_search_insert;
--bun:split
DROP TRIGGER item_translations_search_delete;
--bun:split
DROP TRIGGER item_translations_search_update;
--bun:split
DROP TRIGGER chapter_translations_search_insert;
--bun:split
DROP TRIGGER chapter_translations_search_delete;
--bun:split
DROP TRIGGER chapter_translations_search_update;
--bun:split
DROP TRIGGER handbook_translations_search_insert;
--bun:split
DROP TRIGGER handbook_translations_search_delete;
--bun:split
DROP TRIGGER handbook_translations_search_update;
--bun:split
DROP TRIGGER page_translations_search_insert;
--bun:split
DROP TRIGGER page_translations_search_delete;
--bun:split
DROP TRIGGER page_translations_search_update;
--bun:split
DROP TABLE search_fts;
--bun:split
DROP TABLE search_docs;
{{end}}
