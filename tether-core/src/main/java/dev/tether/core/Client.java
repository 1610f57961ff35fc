package dev.tether.core;

import java.nio.ByteBuffer;
import java.time.Instant;

/** One client attached to one live session: the viewer the terminal feeds, and the handle its transport drives. */
final class Client implements Viewer, ClientHandle {
    final long id;
    final LiveSession session;
    final ClientTransport transport;
    final String name;
    final String remote;
    final Instant since;
    private final SessionService service;
    private volatile Attachment attachment;
    private volatile boolean detached;

    Client(long id, LiveSession session, ClientTransport transport, String name, String remote, Instant since, SessionService service) {
        this.id = id;
        this.session = session;
        this.transport = transport;
        this.name = name;
        this.remote = remote;
        this.since = since;
        this.service = service;
    }

    @Override public long id() { return id; }

    @Override public long sessionId() { return session.id; }

    @Override public int cols() { synchronized (session) { return session.record.cols(); } }

    @Override public int rows() { synchronized (session) { return session.record.rows(); } }

    @Override
    public void start() {
        synchronized (session) {
            if (!detached && attachment == null && session.clients.contains(this)) {
                attachment = session.terminal.attach(this);
            }
        }
    }

    /** Stops output to this client. Called holding the session's monitor. */
    void detach() {
        detached = true;
        Attachment a = attachment;
        if (a != null) {
            a.detach();
        }
    }

    @Override
    public void input(ByteBuffer bytes) {
        Attachment a = attachment;
        if (a != null && !detached) {
            a.write(bytes);
        }
    }

    @Override public void resize(int cols, int rows) { service.resize(this, cols, rows); }

    @Override public void gone(String reason) { service.clientGone(this, reason); }

    // Viewer: called on the PTY loop.
    @Override public boolean send(ByteBuffer output) { return transport.send(output); }

    @Override public void onWritable(Runnable callback) { transport.onWritable(callback); }

    @Override public void pauseInput() { transport.pauseInput(); }

    @Override public void resumeInput() { transport.resumeInput(); }

    @Override
    public void tooSlow() {
        service.clientGone(this, "too slow");
        transport.end(EndNotice.disconnected("too slow"));
    }
}
