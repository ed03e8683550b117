-- When each member last looked at their forum notices (/forum/mentions):
-- mentions newer than that count as new in the page header.
CREATE TABLE forum_notice_marks (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seen_at {{.Time}} NOT NULL
);
