package dev.tether.api;

import java.time.Instant;

/**
 * A user of the server. Names are unique and never change.
 *
 * @param osUser the Linux account the user's sessions log on to when the server is multi-user (its
 *     keeper runs as root); null: the account of the same name
 */
public record UserRecord(long id, String name, boolean admin, Instant createdAt, String osUser) {

    public UserRecord(long id, String name, boolean admin, Instant createdAt) {
        this(id, name, admin, createdAt, null);
    }

    public UserRecord withId(long newId) {
        return new UserRecord(newId, name, admin, createdAt, osUser);
    }

    /** The Linux account of the user's sessions in multi-user mode: {@link #osUser}, else the user's own name. */
    public String linuxAccount() {
        return osUser != null ? osUser : name;
    }
}
