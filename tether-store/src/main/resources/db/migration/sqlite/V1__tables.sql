-- Tether's tables for SQLite. Only the id columns and table options are vendor-specific;
-- the indexes live in common/V2__indexes.sql.
--
-- AUTOINCREMENT keeps the largest id ever used in sqlite_sequence, so an id is never handed out
-- twice, also after its row (or the last rows) were deleted. STRICT makes SQLite enforce the
-- declared column types. Instants are ISO-8601 UTC text with nine fraction digits (sortable);
-- enums are stored by name; JSON columns hold Jackson-written text.
-- "user" is reserved in PostgreSQL, hence user_name.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    admin      INTEGER NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT    NOT NULL,
    application TEXT,
    created_at  TEXT    NOT NULL
) STRICT;

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    server       TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    command      TEXT    NOT NULL,
    term_cols    INTEGER NOT NULL,
    term_rows    INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    locked       INTEGER NOT NULL,
    pid          INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    closed_at    TEXT,
    exit_code    INTEGER,
    close_reason TEXT
) STRICT;

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    operation    TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    what_if      INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    result       TEXT,
    targets      TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    completed_at TEXT
) STRICT;

-- The event log is append-only; session_id deliberately has no foreign key so that session
-- history can be pruned without touching the log.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    session_id INTEGER,
    user_name  TEXT    NOT NULL,
    data       TEXT    NOT NULL
) STRICT;
