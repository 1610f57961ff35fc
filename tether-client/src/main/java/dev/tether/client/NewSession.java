package dev.tether.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to start in a new session. Null {@code command}, {@code cols} or {@code rows} mean the server's
 * default: the server user's login shell, 80 x 24.
 *
 * @param command the program, looked up on the server's PATH; null for the login shell
 * @param args its arguments
 * @param env extra environment variables, on top of the server's (TERM, TETHER_SESSION_ID, HOME, ...)
 */
public record NewSession(String command, List<String> args, Integer cols, Integer rows, Map<String, String> env) {

    public NewSession {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        checkSize("cols", cols);
        checkSize("rows", rows);
        if (command == null && !args.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "arguments " + args + " were given without a command");
        }
    }

    /** The server user's login shell, 80 x 24. */
    public static NewSession shell() {
        return new NewSession(null, List.of(), null, null, Map.of());
    }

    public static NewSession of(String command, String... args) {
        return new NewSession(command, List.of(args), null, null, Map.of());
    }

    /** A program and its arguments as one list; an empty list means the login shell. */
    public static NewSession of(List<String> argv) {
        return argv.isEmpty() ? shell() : new NewSession(argv.getFirst(), argv.subList(1, argv.size()), null, null, Map.of());
    }

    public NewSession withSize(int newCols, int newRows) {
        return new NewSession(command, args, newCols, newRows, env);
    }

    public NewSession withEnv(String key, String value) {
        var copy = new LinkedHashMap<>(env);
        copy.put(key, value);
        return new NewSession(command, args, cols, rows, copy);
    }

    ObjectNode toJson() {
        ObjectNode body = Json.object();
        if (command != null) {
            body.put("command", command);
            var array = body.putArray("args");
            args.forEach(array::add);
        }
        if (cols != null) {
            body.put("cols", cols);
        }
        if (rows != null) {
            body.put("rows", rows);
        }
        if (!env.isEmpty()) {
            var object = body.putObject("env");
            env.forEach(object::put);
        }
        return body;
    }

    private static void checkSize(String what, Integer value) {
        if (value != null && (value < 1 || value > 65535)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, what + " " + value + " is outside 1..65535");
        }
    }
}
