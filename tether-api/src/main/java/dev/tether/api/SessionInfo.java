package dev.tether.api;



import java.time.Instant;
import java.util.List;

/**
 * A session as the API shows it: the stored record plus live facts (attached clients).
 *
 * @param command the command line as one string, for tables
 * @param argv the program and its arguments
 * @param stateCode the WTS_CONNECTSTATE_CLASS number of {@code state} (10 for CLOSED)
 * @param connections number of clients attached now
 */
public record SessionInfo(
        long id,
        String server,
        String user,
        String command,
        List<String> argv,
        SessionState state,
        int stateCode,
        boolean locked,
        int connections,
        int cols,
        int rows,
        long pid,
        Instant createdAt,
        Instant closedAt,
        Integer exitCode,
        String closeReason) {

    public SessionInfo {
        argv = List.copyOf(argv);
    }

    /** The program and arguments as one line, quoting arguments that need it. */
    public static String commandLine(List<String> argv) {
        var sb = new StringBuilder();
        for (String arg : argv) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            boolean plain = !arg.isEmpty() && arg.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,+@%".indexOf(c) >= 0);
            sb.append(plain ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }
}
