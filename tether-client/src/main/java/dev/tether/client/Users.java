package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.api.Bodies;
import dev.tether.api.NewUser;
import dev.tether.api.UserRecord;
import java.util.List;

/** Users ({@code /users}): administrators add and list them; everyone sets their own password. */
public final class Users {
    private static final JavaType USERS = Json.listOf(UserRecord.class);
    private static final JavaType NEW_USER = Json.type(NewUser.class);
    private static final JavaType USER = Json.type(UserRecord.class);
    private static final JavaType ANY = Json.type(Object.class);

    private final Http http;

    Users(Http http) {
        this.http = http;
    }

    /** Every user; administrators only. */
    public List<UserRecord> list() {
        return http.get("/users", USERS);
    }

    /** Creates a user and returns its first token; administrators only. CONFLICT if the name is taken. */
    public NewUser add(String name, boolean admin) {
        return add(name, admin, null);
    }

    /**
     * As {@link #add(String, boolean)}, the user's sessions logging on to the Linux account
     * {@code osUser} in multi-user mode (null: the account of the user's name).
     */
    public NewUser add(String name, boolean admin, String osUser) {
        return http.post("/users", new Bodies.AddUser(name, admin ? true : null, osUser), NEW_USER);
    }

    /** Maps the user's sessions to the Linux account {@code osUser} (null: the account of the user's name); administrators only. */
    public UserRecord setOsUser(String name, String osUser) {
        return http.patch("/users/" + Http.segment(name), new Bodies.ChangeUser(osUser == null ? "" : osUser), USER);
    }

    /**
     * Sets a user's password (stored as an Argon2id hash): users their own, administrators anyone's.
     * It must have 8 to 1024 characters. The caller may zero {@code password} when this returns.
     */
    public void passwd(String name, char[] password) {
        http.postSecret("/users/" + Http.segment(name) + "/password", Json.withSecret(Json.object(), "password", password), ANY);
    }
}
