-- Portable DDL for issue 3: runs unchanged on every vendor, after that vendor's V3 tables.

-- The Argon2id hash (it carries its own parameters and salt); null while the user has no password.
ALTER TABLE users ADD COLUMN password_hash TEXT;
-- Set for a workspace token (issued by StartWorkspace); revoked_at is null while the token is valid.
ALTER TABLE tokens ADD COLUMN workspace_id TEXT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;

CREATE INDEX connections_session_id ON connections (session_id);
CREATE INDEX connections_workspace_id ON connections (workspace_id);
CREATE INDEX connections_state ON connections (state);
-- Not unique: two workspaces may share a friendly name (DisconnectWorkspaceByFriendlyName says CONFLICT).
CREATE INDEX workspaces_user_friendly_name ON workspaces (user_name, friendly_name);
CREATE INDEX credentials_expires_at ON credentials (expires_at);
