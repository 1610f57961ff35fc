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
        return http.post("/users", new Bodies.AddUser(name, admin ? true : null), NEW_USER);
    }

    /**
     * Sets a user's password (stored as an Argon2id hash): users their own, administrators anyone's.
     * It must have 8 to 1024 characters. The caller may zero {@code password} when this returns.
     */
    public void passwd(String name, char[] password) {
        http.postSecret("/users/" + Http.segment(name) + "/password", Json.withSecret(Json.object(), "password", password), ANY);
    }
}
