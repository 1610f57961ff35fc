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

    /**
     * The connection to the server was lost (the server restarted, crashed or the network failed) and
     * the connection tries again in {@code delay}: attempt {@code attempt} since the loss. Output resumes
     * where it stopped; nothing is lost or repeated unless a {@link ControlMessage.Lost} says so.
     */
    default void onReconnecting(int attempt, java.time.Duration delay, String why) {
    }

    /** Attached again after {@link #onReconnecting}: output continues from {@code attached.offset()}. */
    default void onReconnected(ControlMessage.Attached attached) {
    }

    /** The attachment is over: called exactly once, with the server's reason when it gave one. */
    default void onClosed(ControlMessage.Closed closed) {
    }
}
