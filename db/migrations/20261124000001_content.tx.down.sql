DROP TABLE item_media;
--bun:split
DROP TABLE media_translations;
--bun:split
DROP TABLE media;
--bun:split
DROP TABLE page_translations;
--bun:split
DROP TABLE pages;
--bun:split
DROP TABLE chapter_translations;
--bun:split
DROP TABLE chapters;
--bun:split
DROP TABLE handbook_translations;
--bun:split
DROP TABLE handbooks;
--bun:split
DROP TABLE item_translations;
--bun:split
DROP TABLE items;
--bun:split
DROP TABLE users;
--bun:split
DROP TABLE organisation_translations;
--bun:split
DROP TABLE organisations;
