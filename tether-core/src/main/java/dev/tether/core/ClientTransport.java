package dev.tether.core;

import dev.tether.core.terminal.Viewer;
import java.util.concurrent.CompletionStage;

/**
 * A client's connection as the session service sees it (a WebSocket in the server, a plain
 * object in tests). Its {@link Viewer} side receives terminal output on the PTY loop.
 */
public interface ClientTransport extends Viewer {

    /**
     * The connect request was accepted: its id and the connection's, told at once, before the
     * connection is activated (IMbnConnection's connect returns its request id synchronously).
     */
    void connecting(long connectionId, long requestId);

    /**
     * The connection is ACTIVATED; output follows, starting at output offset {@code offset} (or
     * further on, after a {@link #lost} notice). The size is the session's window size now.
     */
    void activated(long connectionId, long requestId, int cols, int rows, long offset);

    /** Tells the client why it is being let go, then closes the transport. Completes when closed. Idempotent. */
    CompletionStage<Void> end(EndNotice notice);

    /** The session is locked: show a lock screen with {@code message}; output is withheld until unlocked. */
    void locked(String message);

    /** The session is unlocked: remove the lock screen; the screen is redrawn. */
    void unlocked();

    /**
     * Shows a message (WTSSendMessage): the client acknowledges it with
     * {@link ClientHandle#acknowledge(long)} when the person has read it.
     */
    void message(long messageId, String title, String text, int timeoutSeconds);

    /** Another client changed the window size. */
    void resized(int cols, int rows);
}
