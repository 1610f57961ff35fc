package dev.tether.api;



import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a caller asks for when starting a session: the server checks it and the SDK sends it. Null
 * fields take their defaults: the server user's login shell, 80x24, no extra environment. A window
 * size outside 1..65535, or arguments without a command, is INVALID_PARAMETER when the value is made.
 *
 * @param command the program, looked up on the server's PATH; null (or blank) for the login shell
 * @param args its arguments; only with a command
 * @param cols terminal columns, 1..65535; null for 80
 * @param rows terminal rows, 1..65535; null for 24
 * @param env extra environment variables, on top of the ones the server sets (TERM, HOME, ...)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY) // what a client leaves at its default is not sent
public record NewSession(String command, List<String> args, Integer cols, Integer rows, Map<String, String> env) {
    private static final int DEFAULT_COLS = 80;
    private static final int DEFAULT_ROWS = 24;
    private static final int MAX_SIZE = 65535;

    public NewSession {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        if (outsideWindowRange(cols) || outsideWindowRange(rows)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the window size "
                    + orDefault(cols, DEFAULT_COLS) + "x" + orDefault(rows, DEFAULT_ROWS) + " is outside 1.." + MAX_SIZE);
        }
        if ((command == null || command.isBlank()) && !args.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "arguments were given without a command");
        }
    }

    /** The server user's login shell, 80x24. */
    public static NewSession shell() {
        return new NewSession(null, null, null, null, null);
    }

    /** A program and its arguments, 80x24. */
    public static NewSession of(String command, String... args) {
        return new NewSession(command, List.of(args), null, null, null);
    }

    /** A program and its arguments as one list, as a command line gives them; an empty list means the login shell. */
    public static NewSession of(List<String> argv) {
        return argv.isEmpty() ? shell() : new NewSession(argv.getFirst(), argv.subList(1, argv.size()), null, null, null);
    }

    /** The same session in a window of {@code newCols} x {@code newRows}. */
    public NewSession withSize(int newCols, int newRows) {
        return new NewSession(command, args, newCols, newRows, env);
    }

    /** The same session with one more environment variable, or {@code key} set to a new value. */
    public NewSession withEnv(String key, String value) {
        var copy = new LinkedHashMap<>(env);
        copy.put(key, value);
        return new NewSession(command, args, cols, rows, copy);
    }

    /** The width to start with: {@code cols}, or the default. */
    public int colsOrDefault() {
        return orDefault(cols, DEFAULT_COLS);
    }

    /** The height to start with: {@code rows}, or the default. */
    public int rowsOrDefault() {
        return orDefault(rows, DEFAULT_ROWS);
    }

    private static boolean outsideWindowRange(Integer size) {
        return size != null && (size < 1 || size > MAX_SIZE);
    }

    private static int orDefault(Integer size, int fallback) {
        return size == null ? fallback : size;
    }
}
