-- The transactional outbox: every change to a local item that the world
-- should hear about (it became visible, changed while visible, or stopped
-- being visible) is written here in the same transaction as the change.
-- Federation turns these rows into activities and deliveries.
CREATE TABLE outbox_events (
    id {{.ID}},
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    processed_at {{.Time}}
);
--bun:split
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE processed_at IS NULL;
