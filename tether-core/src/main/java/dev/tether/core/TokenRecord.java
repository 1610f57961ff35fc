package dev.tether.core;

import java.time.Instant;

/**
 * A bearer token. Only its SHA-256 hash (hex) is stored.
 *
 * @param application null for a user token; set for a token restricted to one application
 */
public record TokenRecord(long id, long userId, String hash, String application, Instant createdAt) {

    public TokenRecord withId(long newId) {
        return new TokenRecord(newId, userId, hash, application, createdAt);
    }
}
