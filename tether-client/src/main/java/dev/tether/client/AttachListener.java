package dev.tether.client;

import dev.tether.api.ControlMessage;
import java.nio.ByteBuffer;

/**
 * Hears an attached terminal. Calls come one at a time from the WebSocket's thread; the next frame is
 * not read until a call returns, so a slow listener slows the stream instead of growing memory.
 */
public interface AttachListener {

    /** Terminal output. The buffer is valid only during the call: copy what you keep. */
    void onOutput(ByteBuffer output);

    /** A control message other than {@link ControlMessage.Closed}. */
    default void onControl(ControlMessage message) {
    }

    /** The attachment is over: called exactly once, with the server's reason when it gave one. */
    default void onClosed(ControlMessage.Closed closed) {
    }
}
