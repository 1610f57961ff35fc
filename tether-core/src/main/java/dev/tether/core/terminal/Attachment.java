package dev.tether.core.terminal;

import java.nio.ByteBuffer;

/** A viewer's attachment to a terminal. */
public interface Attachment {

    /** Input from this viewer (copied); the viewer is paused and resumed as the queue fills and drains. */
    void write(ByteBuffer input);

    /** Stops delivering output to the viewer. Idempotent. */
    void detach();

    /**
     * Sends the viewer the screen again ({@link Viewer#screen}, without scrollback), then the output
     * from where it was made; what it was owed before is covered by it. Nothing where there is no
     * screen model.
     */
    default void redraw() {
    }
}
