package dev.tether.core.terminal;

import java.nio.ByteBuffer;

/**
 * A client's view of a terminal, implemented by a transport (WebSocket, test). Methods are called
 * on the PTY host's I/O loop: they must not block.
 */
public interface Viewer {

    /**
     * Delivers output. The bytes never change: a viewer may keep the buffer (without copying)
     * until it has written them; every viewer of the same output gets its own position and limit
     * on the same bytes, so it must not write into them.
     *
     * @return false when the transport is now full; the terminal then stops sending to this
     *     viewer until the callback given to {@link #onWritable(Runnable)} runs
     */
    boolean send(ByteBuffer output);

    /**
     * Redraws the viewer's screen: {@code snapshot} makes a terminal just reset show the session's
     * screen as it is at output offset {@code offset}; the output sent after it continues from
     * there. Not part of the output stream: a viewer counting offsets starts again at
     * {@code offset}. The bytes never change, as {@link #send}'s.
     *
     * @return false when the transport is now full, as {@link #send}
     */
    default boolean screen(ByteBuffer snapshot, long offset) {
        return send(snapshot);
    }

    /** Called once at attach: the viewer runs {@code callback} (from any thread) whenever its transport drains. */
    void onWritable(Runnable callback);

    /** Pending input from this viewer passed 64 KiB: stop reading the client for now. */
    void pauseInput();

    /** Pending input drained: read the client again. */
    void resumeInput();

    /**
     * {@code bytes} of output this viewer was owed are no longer in the ring and are skipped: the
     * next {@link #send} starts that much further on in the output stream. Called before the first
     * send when the attach asked for an offset older than the ring's tail, and on the release of a
     * hold that outgrew the ring.
     */
    void lost(long bytes);

    /** The viewer fell further behind than the ring buffer holds and has been detached. */
    void tooSlow();
}
