-- Organisation logos and banners: an uploaded or fetched image (media row)
-- each, and for a partner's organisation the URL its actor names (logo_url,
-- banner_url) and the URL the stored copy was fetched from (logo_fetched,
-- banner_fetched): where they differ, federation's worker fetches again. The media ids carry no foreign
-- key so that the down migration can drop them on SQLite too (media rows
-- are never deleted; a missing one shows no image).
ALTER TABLE organisations ADD COLUMN logo_media_id BIGINT;
--bun:split
ALTER TABLE organisations ADD COLUMN banner_media_id BIGINT;
--bun:split
ALTER TABLE organisations ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE organisations ADD COLUMN banner_url TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE organisations ADD COLUMN logo_fetched TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE organisations ADD COLUMN banner_fetched TEXT NOT NULL DEFAULT '';
