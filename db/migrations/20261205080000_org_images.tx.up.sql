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
--bun:split
-- The images of partners' items: what the object names (url, alt text per
-- language as JSON), and the hub's copy once fetched (media_id), which
-- item_media then attaches to the item.
CREATE TABLE remote_images (
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    alts TEXT NOT NULL DEFAULT '{}',
    media_id BIGINT REFERENCES media (id) ON DELETE SET NULL,
    PRIMARY KEY (item_id, position)
);
--bun:split
CREATE INDEX remote_images_pending ON remote_images (media_id, item_id);
