package dev.tether.core.store;

import dev.tether.api.StartWorkspace;
import java.time.Instant;

/**
 * A bearer token. Only its SHA-256 hash (hex) is stored.
 *
 * @param application null for a user token; set for a token restricted to one application
 * @param workspaceId set for a workspace token (issued by StartWorkspace), else null
 * @param revokedAt null while the token is valid
 */
public record TokenRecord(long id, long userId, String hash, String application, String workspaceId,
                          Instant createdAt, Instant revokedAt) {

    /** A user token, or one restricted to {@code application}. */
    public TokenRecord(long id, long userId, String hash, String application, Instant createdAt) {
        this(id, userId, hash, application, null, createdAt, null);
    }

    public TokenRecord withId(long newId) {
        return new TokenRecord(newId, userId, hash, application, workspaceId, createdAt, revokedAt);
    }
}
