package dev.tether.client;

import dev.tether.core.UserRecord;

/**
 * A user just created, with its first bearer token. The server shows the token this once.
 */
public record NewUser(UserRecord user, String token) {

    @Override
    public String toString() {
        return "NewUser[user=" + user + ", token=(hidden)]";
    }
}
