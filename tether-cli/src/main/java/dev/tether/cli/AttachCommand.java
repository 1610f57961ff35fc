package dev.tether.cli;

import dev.tether.api.ControlMessage;
import dev.tether.api.Ids;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.TerminalConnection;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tether session attach ID}: this terminal becomes the session's terminal until Ctrl-] detaches
 * it, someone disconnects it, or the session ends. The session keeps running after a detach. A locked
 * session shows a lock screen, and messages show as banners that a key press acknowledges (see
 * {@link AttachScreen}). However it ends, the terminal is left as it was found: the modes the program set
 * (alternate screen, mouse, keypad, bracketed paste, hidden cursor...) are undone and the closing line
 * starts a fresh line.
 *
 * <p>Threads: the WebSocket's thread writes output to stdout as it arrives (a slow terminal slows the
 * stream, it does not grow memory); a daemon thread reads the keyboard and sends it; the command's
 * thread waits for the end, restores the terminal and says why on stderr.
 */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Attach this terminal to a session. Ctrl-] detaches (the session keeps running).",
            "Window size is sent at attach and on every resize. Exits 0 when detached, disconnected or the session ends.",
            "A locked session shows a lock screen and takes no keys until unlocked.",
            "A message shows as a banner; the next key press (any key but Ctrl-]) acknowledges it and is not sent to the session.",
            "When it ends, the terminal's modes are put back as they were before the attach.",
            "When the server restarts or the network drops, it reconnects by itself for up to 10 minutes, and the output resumes where it stopped.",
            "Keys typed while it reconnects are not sent; the status line counts them."})
final class AttachCommand extends ClientCommand {
    /** Ctrl-], as telnet and docker use it. */
    static final byte DETACH_KEY = 0x1d;

    @Parameters(paramLabel = "ID", description = "The session id.")
    String id;

    @picocli.CommandLine.Option(names = "--read-only", description = "Only watch: the output is shown, no key is sent "
            + "(Ctrl-] still detaches), the window's size does not change the session's, and messages are not answered.")
    boolean readOnly;

    @Override
    int run() {
        long sessionId = Ids.parse("session", id);
        var client = client();
        ControlMessage.Closed end;
        AttachScreen screen;
        try (RawTerminal terminal = openTerminal()) {
            screen = new AttachScreen(terminal, err(), sessionId);
            TerminalConnection connection = client.attach(sessionId, terminal.cols(), terminal.rows(), clientName(), readOnly, screen);
            if (!readOnly) {
                terminal.onResize((cols, rows) -> connection.resize(cols, rows));
            } else {
                err().println("[viewing session " + sessionId + " read-only: keys are not sent; Ctrl-] detaches]");
                err().flush();
            }
            Thread.ofPlatform().daemon().name("tether-keyboard").start(() -> pumpKeyboard(terminal, connection, screen, readOnly));
            end = await(connection.closed());
            screen.finish(); // off the lock screen, the program's modes undone, on a fresh line
        }
        // The terminal is restored: messages go on a line of their own.
        out().flush();
        if (!screen.isTerminal()) {
            err().println();
        }
        err().println(switch (end.kind()) {
            case ControlMessage.Closed.DETACHED -> "[detached from session " + sessionId + "]";
            case ControlMessage.Closed.DISCONNECTED -> "[disconnected: " + end.reason() + "]";
            case ControlMessage.Closed.ENDED -> "[session " + sessionId + " closed: " + end.reason() + "]";
            case ControlMessage.Closed.REFUSED -> end.reason();
            default -> ResultCode.SERVER_UNREACHABLE.name() + ": lost the connection to session " + sessionId + ": " + end.reason();
        });
        err().flush();
        return switch (end.kind()) {
            case ControlMessage.Closed.LOST -> ExitCodes.UNREACHABLE;
            case ControlMessage.Closed.REFUSED -> ExitCodes.FAILED;
            default -> ExitCodes.OK;
        };
    }

    private static RawTerminal openTerminal() {
        try {
            return RawTerminal.open();
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot put this terminal in raw mode: " + e.getMessage());
        }
    }

    /**
     * Keyboard to session, until Ctrl-] or the end of input; both detach. The screen may take a key
     * press first. Read-only, nothing is sent and nothing answered: only Ctrl-] counts.
     */
    private static void pumpKeyboard(RawTerminal terminal, TerminalConnection connection, AttachScreen screen, boolean readOnly) {
        byte[] buffer = new byte[8192];
        try {
            while (!connection.closed().isDone()) {
                int n = terminal.read(buffer);
                if (n < 0) {
                    break;
                }
                int detachAt = indexOf(buffer, n, DETACH_KEY);
                if (readOnly) {
                    if (detachAt >= 0) {
                        break;
                    }
                    continue;
                }
                if (detachAt >= 0) {
                    if (detachAt > 0 && !screen.takesKeyPress(connection)) {
                        send(connection, screen, buffer, detachAt);
                    }
                    break;
                }
                if (!screen.takesKeyPress(connection)) {
                    send(connection, screen, buffer, n);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the connection or the terminal is gone: detach below, which is idempotent
        }
        connection.detach();
    }

    /** Sends keys; while the connection is re-established they are not sent, and the screen says so. */
    private static void send(TerminalConnection connection, AttachScreen screen, byte[] buffer, int n) {
        if (connection.isReconnecting()) {
            screen.keysNotSent(n);
            return;
        }
        try {
            connection.send(buffer, 0, n).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (!connection.isReconnecting()) {
                throw e;
            }
            screen.keysNotSent(n); // the socket went between the check and the send
        }
    }

    private static int indexOf(byte[] buffer, int length, byte value) {
        for (int i = 0; i < length; i++) {
            if (buffer[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static ControlMessage.Closed await(CompletableFuture<ControlMessage.Closed> closed) {
        try {
            return closed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while attached");
        } catch (ExecutionException e) {
            throw new TetherException(ResultCode.INTERNAL, "the attachment failed: " + e.getCause());
        }
    }

    private static String clientName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
