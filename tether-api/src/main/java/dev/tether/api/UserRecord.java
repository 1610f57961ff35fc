package dev.tether.api;

import java.time.Instant;

/** A user of the server. Names are unique and never change. */
public record UserRecord(long id, String name, boolean admin, Instant createdAt) {

    public UserRecord withId(long newId) {
        return new UserRecord(newId, name, admin, createdAt);
    }
}
