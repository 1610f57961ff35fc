-- Portable DDL: runs unchanged on every vendor, after that vendor's V1__tables.sql.

CREATE UNIQUE INDEX users_name ON users (name);
CREATE UNIQUE INDEX tokens_hash ON tokens (hash);
CREATE INDEX tokens_user_id ON tokens (user_id);
CREATE INDEX sessions_state ON sessions (state);
CREATE INDEX events_session_id ON events (session_id);
