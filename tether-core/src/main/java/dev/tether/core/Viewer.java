package dev.tether.core;

import java.nio.ByteBuffer;

/**
 * A client's view of a terminal, implemented by a transport (WebSocket, test). Methods are called
 * on the PTY host's I/O loop: they must not block.
 */
public interface Viewer {

    /**
     * Delivers output. The buffer is valid only during the call: copy what you keep.
     *
     * @return false when the transport is now full; the terminal then stops sending to this
     *     viewer until the callback given to {@link #onWritable(Runnable)} runs
     */
    boolean send(ByteBuffer output);

    /** Called once at attach: the viewer runs {@code callback} (from any thread) whenever its transport drains. */
    void onWritable(Runnable callback);

    /** Pending input from this viewer passed 64 KiB: stop reading the client for now. */
    void pauseInput();

    /** Pending input drained: read the client again. */
    void resumeInput();

    /** The viewer fell further behind than the ring buffer holds and has been detached. */
    void tooSlow();
}
