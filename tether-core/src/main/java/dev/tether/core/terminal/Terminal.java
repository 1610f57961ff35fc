package dev.tether.core.terminal;

import java.nio.ByteBuffer;

/**
 * One program in one PTY, its output ring buffer and the viewers attached to it.
 *
 * <p>Every method may be called from any thread and never blocks: work is handed to the
 * host's I/O loop.
 *
 * <p><b>Output and backpressure.</b> Output is appended to a ring buffer of
 * {@link TerminalSpec#ringBytes()} bytes (the last bytes the program wrote). Each viewer has a
 * position in the output stream. A viewer whose transport accepts bytes receives them live; a
 * viewer whose transport is full is skipped and caught up from the ring when it signals it is
 * writable again; a viewer that falls further behind than the ring holds is detached and told
 * {@link Viewer#tooSlow()}. While at least one viewer is attached and every viewer is full, the
 * PTY is not read, so the program blocks as on a real terminal. With no viewer the program runs
 * freely and only the ring keeps its latest output.
 */
public interface Terminal {

    /** The process id of the program (leader of its own POSIX session and process group). */
    long pid();

    /** False once the program has exited. */
    boolean alive();

    /**
     * Attaches a viewer at output offset {@code from} (from {@link #outputTail()} to
     * {@link #outputBytes()}): it first receives the ring buffer's content from there (the replay),
     * then live output; after the replay the window size is re-applied and SIGWINCH is sent to the
     * foreground process group so full-screen programs redraw. When the ring has moved past
     * {@code from} by the time the attach runs, the viewer is told {@link Viewer#lost} first and
     * replayed from the ring's tail.
     *
     * @throws IllegalArgumentException when {@code from} is negative or beyond {@link #outputBytes()}
     */
    Attachment attach(Viewer viewer, long from);

    /** Attaches a viewer at the ring's tail: it is replayed all the ring holds (the raw stream). */
    default Attachment attach(Viewer viewer) {
        return attach(viewer, outputTail());
    }

    /**
     * Attaches a viewer that is first shown the screen: {@link Viewer#screen} with bytes that make
     * a terminal just reset show what a terminal that saw the whole output shows (both screens,
     * modes, cursor, the last {@code scrollbackLines} lines of scrollback; never a query), then live
     * output from the offset it was taken at. No redraw is asked of the program.
     */
    default Attachment attachScreen(Viewer viewer, int scrollbackLines) {
        return attach(viewer);
    }

    /** The screen now, rendered as {@code request} asks, made off the I/O loop. */
    default java.util.concurrent.CompletableFuture<ScreenCapture> capture(ScreenCapture.Request request) {
        return java.util.concurrent.CompletableFuture.failedFuture(new dev.tether.api.TetherException(
                dev.tether.api.ResultCode.UNAVAILABLE, "this terminal keeps no screen model"));
    }

    /** Queues input for the program (copied). Input queued beyond 1 MiB is refused with TOO_LARGE. */
    void write(ByteBuffer input);

    /** Sets the window size (TIOCSWINSZ); the kernel signals SIGWINCH when it changes. */
    void resize(int cols, int rows);

    /** Sends a signal to the program's process group and to every other process of its POSIX session. */
    void signal(int signal);

    /**
     * Holds or releases the output (a locked session). While held, output still goes into the
     * ring buffer and the program is read as if no viewer were attached, but nothing is sent to
     * viewers. On release every viewer is brought to the live position: it gets what it missed
     * from the ring (from the ring's start when it missed more than the ring holds, not dropped
     * as too slow), then SIGWINCH is sent to the foreground process group so the screen redraws.
     */
    void hold(boolean held);

    /**
     * Total bytes the program has written so far: the offset of the next byte of output. It grows
     * before a byte is sent to any viewer, so no viewer can have received a byte beyond it.
     */
    long outputBytes();

    /** The offset of the oldest byte of output the ring still holds (0 until it wraps); it only grows. */
    long outputTail();
}
