DROP TABLE follow_requests;
--bun:split
DROP TABLE tombstones;
--bun:split
DROP TABLE actor_blocks;
--bun:split
DROP TABLE reports;
--bun:split
DROP TABLE likes;
--bun:split
DROP TABLE replies;
--bun:split
DROP TABLE federation_settings;
--bun:split
DROP TABLE domain_policies;
--bun:split
DROP TABLE federation_hosts;
--bun:split
DROP TABLE deliveries;
--bun:split
DROP TABLE activities;
--bun:split
DROP TABLE follows;
--bun:split
DROP TABLE actors;
