package dev.tether.core;

import java.nio.ByteBuffer;

/** What a transport holds once its client is attached to a session. */
public interface ClientHandle {

    long id();

    long sessionId();

    /** The session's window size after this attach. */
    int cols();

    int rows();

    /** Starts the output: the replay, then live bytes. Call once, after telling the client it is attached. */
    void start();

    /** Input from the client to the program. */
    void input(ByteBuffer bytes);

    /** The client's window changed; the most recent size wins. */
    void resize(int cols, int rows);

    /** The client went away (socket closed, error); the session goes on. Idempotent. */
    void gone(String reason);
}
