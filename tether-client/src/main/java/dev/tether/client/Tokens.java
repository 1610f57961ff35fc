package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.api.Bodies;

/** Bearer tokens ({@code /tokens}) for the caller's own account. */
public final class Tokens {
    private static final JavaType ISSUED = Json.type(Bodies.IssuedToken.class);

    private final Http http;

    Tokens(Http http) {
        this.http = http;
    }

    /**
     * A new token restricted to {@code application}, shown this once. Connections opened with it are
     * initiated by that application, and it may disconnect only those (IMbnConnection's rule for a
     * restricted caller). Only a user's own, unrestricted token may create one.
     */
    public String create(String application) {
        Bodies.IssuedToken issued = http.post("/tokens", new Bodies.NewToken(application), ISSUED);
        return issued.token();
    }
}
