DROP INDEX item_media_media;
