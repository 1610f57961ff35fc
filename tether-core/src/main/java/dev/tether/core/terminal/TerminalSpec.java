package dev.tether.core.terminal;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start in a PTY.
 *
 * @param sessionId the session it runs (a keeper keeps its ring and exit under this id); 0 for a
 *     terminal of no session (tests, benchmarks)
 * @param command program and arguments; the program is resolved against PATH when it has no slash
 * @param environment the complete environment of the program (nothing is inherited implicitly)
 * @param workingDirectory where the program starts
 * @param cols initial width in columns (1..65535)
 * @param rows initial height in rows (1..65535)
 * @param ringBytes size of the output ring buffer replayed to a client on attach
 * @param logOn the Linux account the program runs as, a log-on of it (its uid, groups, login
 *     environment, and its home as the working directory); null: the spawning process's own
 *     account, with exactly this environment and directory
 */
public record TerminalSpec(
        long sessionId,
        List<String> command,
        Map<String, String> environment,
        Path workingDirectory,
        int cols,
        int rows,
        int ringBytes,
        LogOn logOn) {

    /**
     * A session that is a log-on of a Linux account, as login(1) would make it.
     *
     * @param account the account's name
     * @param host where its user is, as utmp's host: a client's name, or null
     */
    public record LogOn(String account, String host) {
        public LogOn {
            java.util.Objects.requireNonNull(account, "account");
        }
    }

    /** A terminal of no session. */
    public TerminalSpec(List<String> command, Map<String, String> environment, Path workingDirectory, int cols, int rows,
                        int ringBytes) {
        this(0, command, environment, workingDirectory, cols, rows, ringBytes, null);
    }

    /** A session that runs as the spawning process's own account. */
    public TerminalSpec(long sessionId, List<String> command, Map<String, String> environment, Path workingDirectory,
                        int cols, int rows, int ringBytes) {
        this(sessionId, command, environment, workingDirectory, cols, rows, ringBytes, null);
    }

    public TerminalSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        if (command.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the command is empty");
        }
        if (cols < 1 || cols > 65535 || rows < 1 || rows > 65535) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the window size " + cols + "x" + rows + " is outside 1..65535");
        }
        if (ringBytes < 1024) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the ring buffer of " + ringBytes + " bytes is smaller than 1024");
        }
    }
}
