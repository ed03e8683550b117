-- Find the items a media file is attached to (who may fetch it) without
-- scanning item_media, whose primary key starts with item_id.
CREATE INDEX item_media_media ON item_media (media_id);
