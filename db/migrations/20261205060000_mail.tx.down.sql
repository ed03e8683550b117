ALTER TABLE users DROP COLUMN email_verified_at;
--bun:split
DROP TABLE account_tokens;
--bun:split
DROP TABLE mail_queue;
