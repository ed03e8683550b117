DROP TABLE remote_images;
--bun:split
ALTER TABLE organisations DROP COLUMN banner_fetched;
--bun:split
ALTER TABLE organisations DROP COLUMN logo_fetched;
--bun:split
ALTER TABLE organisations DROP COLUMN banner_url;
--bun:split
ALTER TABLE organisations DROP COLUMN logo_url;
--bun:split
ALTER TABLE organisations DROP COLUMN banner_media_id;
--bun:split
ALTER TABLE organisations DROP COLUMN logo_media_id;
