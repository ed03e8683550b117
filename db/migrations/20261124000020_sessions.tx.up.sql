-- Browser sessions of the portal (alexedwards/scs): the SHA-256 of the
-- session token, the encoded session data and when it expires. Expired rows
-- are ignored on read and purged from time to time.
CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    data {{if .PG}}BYTEA{{else}}BLOB{{end}} NOT NULL,
    expiry {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX sessions_expiry ON sessions (expiry);
