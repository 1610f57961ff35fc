-- Connections, workspaces and their credentials (issue 3), for SQLite. The new columns of users
-- and tokens and every index are portable and live in common/V4__connections_workspaces_credentials.sql.
-- Conventions as in V1: STRICT tables, instants as sortable ISO-8601 text, enums by name.

-- One client attached (or once attached) to one session; history is kept. AUTOINCREMENT so that
-- an id (a uint32, checked on insert) is never handed out twice. session_id has no foreign key,
-- like events.session_id: session history can be pruned without touching connection history.
CREATE TABLE connections (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id        INTEGER NOT NULL,
    user_name         TEXT    NOT NULL,
    application       TEXT,
    workspace_id      TEXT,
    client_name       TEXT,
    remote            TEXT,
    state             TEXT    NOT NULL,
    connected_at      TEXT,
    disconnected_at   TEXT,
    disconnect_reason TEXT,
    bytes_in          INTEGER NOT NULL,
    bytes_out         INTEGER NOT NULL
) STRICT;

-- A user's named group of connections; the id is the connection ID the client chose.
CREATE TABLE workspaces (
    user_name                    TEXT    NOT NULL,
    id                           TEXT    NOT NULL,
    friendly_name                TEXT    NOT NULL,
    clear_creds_on_last_resource INTEGER NOT NULL,
    created_at                   TEXT    NOT NULL,
    PRIMARY KEY (user_name, id)
) STRICT;

-- A workspace's credentials, apart from the workspace so that deleting them removes the row and,
-- with secure_delete and a WAL checkpoint (see Writer), every byte of the sealed secret.
-- credential_user is the account the credentials are for; sealed is the AEAD ciphertext only.
CREATE TABLE credentials (
    user_name       TEXT    NOT NULL,
    workspace_id    TEXT    NOT NULL,
    credential_user TEXT    NOT NULL,
    sealed          BLOB    NOT NULL,
    state           TEXT    NOT NULL,
    timeout_minutes INTEGER NOT NULL,
    expires_at      TEXT,
    PRIMARY KEY (user_name, workspace_id),
    FOREIGN KEY (user_name, workspace_id) REFERENCES workspaces (user_name, id) ON DELETE CASCADE
) STRICT;
