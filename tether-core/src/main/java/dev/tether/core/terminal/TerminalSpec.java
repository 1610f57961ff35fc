package dev.tether.core.terminal;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start in a PTY.
 *
 * @param command program and arguments; the program is resolved against PATH when it has no slash
 * @param environment the complete environment of the program (nothing is inherited implicitly)
 * @param workingDirectory where the program starts
 * @param cols initial width in columns (1..65535)
 * @param rows initial height in rows (1..65535)
 * @param ringBytes size of the output ring buffer replayed to a client on attach
 */
public record TerminalSpec(
        List<String> command,
        Map<String, String> environment,
        Path workingDirectory,
        int cols,
        int rows,
        int ringBytes) {

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
