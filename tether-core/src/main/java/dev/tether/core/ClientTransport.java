package dev.tether.core;

import java.util.concurrent.CompletionStage;

/**
 * A client's connection as the session service sees it (a WebSocket in the server, a plain
 * object in tests). Its {@link Viewer} side receives terminal output on the PTY loop.
 */
public interface ClientTransport extends Viewer {

    /** Tells the client why it is being let go, then closes the transport. Completes when closed. Idempotent. */
    CompletionStage<Void> end(EndNotice notice);

    /** Another client changed the window size. */
    void resized(int cols, int rows);
}
