package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.core.UserRecord;
import java.util.List;

/** Users ({@code /users}, administrators only). */
public final class Users {
    private static final JavaType USERS = Json.listOf(UserRecord.class);
    private static final JavaType NEW_USER = Json.type(NewUser.class);

    private final Http http;

    Users(Http http) {
        this.http = http;
    }

    public List<UserRecord> list() {
        return http.get("/users", USERS);
    }

    /** Creates a user and returns its first token; CONFLICT if the name is taken. */
    public NewUser add(String name, boolean admin) {
        var body = Json.object().put("name", name);
        if (admin) {
            body.put("admin", true);
        }
        return http.post("/users", body, NEW_USER);
    }
}
