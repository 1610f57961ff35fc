package dev.tether.api;

/** A user and the token issued with it (shown once). */
public record NewUser(UserRecord user, String token) {
    @Override
    public String toString() { // never print the token
        return "NewUser[user=" + user + "]";
    }
}
