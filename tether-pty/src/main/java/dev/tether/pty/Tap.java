package dev.tether.pty;

import dev.tether.core.terminal.Attachment;
import dev.tether.core.terminal.Viewer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One viewer's attachment: its position in the output stream and its share of the pending input.
 * Fields without a note are confined to the I/O loop.
 */
final class Tap implements Attachment {
    final PtyTerminal terminal;
    final Viewer viewer;
    /** Given to the viewer once; hands the catch-up over to the loop from whatever thread calls it. */
    final Runnable writable;
    /** Bytes of input from this viewer not yet written to the PTY. Any thread. */
    final AtomicLong pendingInput = new AtomicLong();
    /** Set once, by {@link #detach()} from any thread or by the loop; the loop then forgets the tap. */
    volatile boolean detached;
    /** Stream offset of the next byte this viewer is owed. */
    long position;
    /**
     * Caught up and receiving output as it is read; otherwise its transport said it is full.
     * While the output is held: its transport takes bytes, so it is caught up on release.
     */
    boolean live;
    /** When it last went from live to full, on the I/O loop's clock ({@link EventLoop#now}). */
    long blockedSince;
    boolean inputPaused;
    /** Waits for its screen ({@link Fanout#park}): sent nothing, holding nobody back, until the screen is ready. */
    boolean parked;

    Tap(PtyTerminal terminal, Viewer viewer) {
        this.terminal = terminal;
        this.viewer = viewer;
        this.writable = () -> terminal.writable(this);
    }

    @Override
    public void write(ByteBuffer input) {
        if (!detached) {
            terminal.enqueue(input, this);
        }
    }

    @Override
    public void redraw() {
        if (!detached) {
            terminal.redraw(this);
        }
    }

    @Override
    public void detach() {
        if (!detached) {
            detached = true;
            terminal.forget(this);
        }
    }
}
