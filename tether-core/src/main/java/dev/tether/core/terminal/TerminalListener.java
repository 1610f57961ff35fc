package dev.tether.core.terminal;

/** Hears from a terminal. Called on the PTY host's I/O loop: never block in it. */
public interface TerminalListener {

    /**
     * The program has exited and been reaped, its remaining output has been delivered to the
     * viewers, and the PTY is closed. Called exactly once.
     *
     * @param exitCode the exit status, or 128 + the signal number when a signal ended it
     */
    void exited(int exitCode);
}
