-- E-mail: the outgoing mail queue, single-use account tokens (password
-- resets, address confirmations) and when a user confirmed their address.
-- A message is rendered when it is queued, in the same transaction as what
-- causes it; the mail worker leases rows like the delivery queue does.
CREATE TABLE mail_queue (
    id {{.ID}},
    kind TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Time}} NOT NULL,
    locked_until {{.Time}},
    locked_by TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    finished_at {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX mail_queue_message_id ON mail_queue (message_id);
--bun:split
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at) WHERE state = 'pending';
--bun:split
CREATE TABLE account_tokens (
    hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at {{.Time}} NOT NULL,
    used_at {{.Time}},
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
--bun:split
ALTER TABLE users ADD COLUMN email_verified_at {{.Time}};
--bun:split
-- Accounts made before addresses were confirmed were accepted as they were.
UPDATE users SET email_verified_at = created_at;
