package dev.tether.core;

import java.util.List;
import java.util.Map;

/**
 * What a caller asks for when starting a session. Null fields take their defaults: the server
 * user's login shell, 80x24, no extra environment.
 */
public record NewSession(String command, List<String> args, Integer cols, Integer rows, Map<String, String> env) {

    public NewSession {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public static NewSession shell() {
        return new NewSession(null, null, null, null, null);
    }

    public static NewSession of(String command, String... args) {
        return new NewSession(command, List.of(args), null, null, null);
    }
}
