package dev.tether.core.terminal;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.List;

/**
 * Starts programs in pseudo-terminals. One host serves every session of a server with a
 * fixed number of threads (one I/O loop), so the thread count does not grow with sessions.
 *
 * <p>A host that {@linkplain #keepsSessions keeps sessions} (a keeper process holds the programs)
 * lets them outlive the server: at start it knows the {@link #survivors} of the previous server,
 * which the server adopts or releases, and {@link #close} leaves them running for the next one.
 */
public interface PtyHost extends AutoCloseable {

    /**
     * Starts the spec's program in a new PTY, as the leader of a new POSIX session with the
     * PTY as its controlling terminal.
     *
     * @throws TetherException INVALID_PARAMETER when the program cannot be found or started,
     *     with a message naming the program and the reason
     */
    Terminal spawn(TerminalSpec spec, TerminalListener listener);

    /**
     * Whether this host starts programs as root, so that a {@link TerminalSpec#logOn log-on} runs as
     * its Linux account (multi-user mode); else every program runs as the host's own account.
     */
    default boolean logsOnUsers() {
        return false;
    }

    /**
     * Whether a log-on of root or of a system account may start here ({@code --allow-root-sessions}
     * of the server and, with a keeper, of the keeper too).
     */
    default boolean rootSessions() {
        return false;
    }

    /** Whether the sessions outlive this host: then {@link #close} leaves them running. */
    default boolean keepsSessions() {
        return false;
    }

    /** The sessions a previous server left here, running or exited since; read once, at start. */
    default List<Survivor> survivors() {
        return List.of();
    }

    /**
     * Takes over a survivor that still runs: its pid and ring as they are (a viewer attached first
     * is replayed what it printed while no server ran).
     *
     * @throws TetherException NOT_FOUND when the host keeps no such running session
     */
    default Terminal adopt(long sessionId, TerminalListener listener) {
        throw new TetherException(ResultCode.NOT_FOUND, "no session " + sessionId + " is kept to adopt");
    }

    /**
     * Lets go of a survivor: one that exited, once its end is recorded; or one the store does not
     * know, which is hung up.
     */
    default void release(long sessionId) {
    }

    /**
     * Stops the I/O loop. A host that does not keep sessions hangs up every terminal still open
     * first; one that does stops reading them and leaves them to its keeper. Idempotent.
     */
    @Override
    void close();
}
