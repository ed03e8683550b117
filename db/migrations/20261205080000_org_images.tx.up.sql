-- Organisation logos and banners: an uploaded or fetched image (media row)
-- each, and for a partner's organisation the URL its actor names, which
-- is fetched into the hub's own storage. The media ids carry no foreign
-- key so that the down migration can drop them on SQLite too (media rows
-- are never deleted; a missing one shows no image).
ALTER TABLE organisations ADD COLUMN logo_media_id BIGINT;
--bun:split
ALTER TABLE organisations ADD COLUMN banner_media_id BIGINT;
--bun:split
ALTER TABLE organisations ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE organisations ADD COLUMN banner_url TEXT NOT NULL DEFAULT '';
