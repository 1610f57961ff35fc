package dev.tether.server;

import java.net.URI;
import java.nio.file.Path;

/** A running Tether server: HTTP, WebSocket and SSE over the session service. */
public final class TetherServer implements AutoCloseable {

    /**
     * Opens the store (recovering sessions a crashed run left behind), creates the administrator
     * and {@code admin.token} at first start, and listens. Returns once listening.
     *
     * @throws dev.tether.core.TetherException with a sentence a person can act on (port in use, ...)
     */
    public static TetherServer start(ServerConfig config) {
        throw new UnsupportedOperationException("being written");
    }

    /** The base URL, e.g. {@code http://127.0.0.1:7420}. */
    public URI url() {
        throw new UnsupportedOperationException();
    }

    /** The administrator's bearer token (the content of {@link #adminTokenFile()}). */
    public String adminToken() {
        throw new UnsupportedOperationException();
    }

    public Path adminTokenFile() {
        throw new UnsupportedOperationException();
    }

    /** Stops accepting, closes every session with reason {@code server stopped}, records it. Idempotent. */
    @Override
    public void close() {
    }
}
