DROP TABLE forum_mentions;
--bun:split
DROP TABLE forum_reports;
--bun:split
DROP TABLE forum_thread_follows;
--bun:split
DROP TABLE forum_posts;
--bun:split
DROP TABLE forum_threads;
--bun:split
DROP TABLE forum_profiles;
--bun:split
DROP TABLE forum_category_translations;
--bun:split
DROP TABLE forum_categories;
