package dev.tether.core;

import dev.tether.core.terminal.Viewer;

import java.nio.ByteBuffer;

/** What a transport holds once its client is attached: the connection. */
public interface ClientHandle {

    /** The connection id. */
    long id();

    /** The id of the connect request (its ConnectComplete event carries it). */
    long requestId();

    long sessionId();

    /** Input from the client to the program; ignored while the session is locked. */
    void input(ByteBuffer bytes);

    /** The client's window changed; the most recent size wins. */
    void resize(int cols, int rows);

    /** The person acknowledged the message {@code messageId}. */
    void acknowledge(long messageId);

    /** The client wants its screen again ({@link Viewer#screen}, without scrollback): it drew over it. */
    void redraw();

    /** The client went away (socket closed, error); the session goes on. Idempotent. */
    void gone(String reason);
}
