package dev.tether.core.terminal;

import dev.tether.api.TetherException;

/**
 * Starts programs in pseudo-terminals. One host serves every session of a server with a
 * fixed number of threads (one I/O loop), so the thread count does not grow with sessions.
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

    /** Hangs up every terminal still open and stops the I/O loop. Idempotent. */
    @Override
    void close();
}
