package dev.tether.core;

import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.terminal.Attachment;
import dev.tether.core.terminal.Viewer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * One connection: a client attached to a live session. It is the viewer the terminal feeds and the
 * handle its transport drives; its {@link ConnectionRecord} is the stored history.
 */
final class Client implements Viewer, ClientHandle {
    final LiveSession session;
    final ClientTransport transport;
    final long requestId;
    private final Connections owner;
    private final LongConsumer acknowledgements;
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    /** A connection that only watches (attach {@code mode=view}): its input is refused and counted here. */
    final boolean viewOnly;
    private final AtomicLong inputRefused = new AtomicLong();
    /** This client's window, as it said at attach or last resize; 0 while unknown. */
    volatile int cols;
    volatile int rows;
    volatile ConnectionRecord record;
    private volatile Attachment attachment;
    private volatile boolean detached;
    /**
     * Set, holding the session's monitor, by the one caller's disconnect accepted for this
     * connection, before its request is stored; later calls find it and are refused.
     */
    boolean disconnectClaimed;

    /**
     * @param owner the owner of every connection change: what the transport reports (a resize, the
     *     socket gone, too slow) goes there
     * @param acknowledgements where an acknowledged message id goes
     */
    Client(ConnectionRecord record, long requestId, LiveSession session, ClientTransport transport, Connections owner,
           LongConsumer acknowledgements, boolean viewOnly) {
        this.viewOnly = viewOnly;
        this.record = record;
        this.requestId = requestId;
        this.session = session;
        this.transport = transport;
        this.owner = owner;
        this.acknowledgements = acknowledgements;
    }

    @Override public long id() { return record.id(); }

    @Override public long requestId() { return requestId; }

    @Override public long sessionId() { return session.id; }

    /** Starts output to this client at offset {@code from}: the replay, then live bytes. Call holding the session's monitor. */
    void attachTerminal(long from) {
        if (!detached && attachment == null) {
            attachment = session.terminal.attach(this, from);
        }
    }

    /** Starts output to this client with the screen, then live bytes. Call holding the session's monitor. */
    void attachScreen(int scrollbackLines) {
        if (!detached && attachment == null) {
            attachment = session.terminal.attachScreen(this, scrollbackLines);
        }
    }

    /** Stops output to this client. Idempotent. */
    void detach() {
        detached = true;
        Attachment a = attachment;
        if (a != null) {
            a.detach();
        }
    }

    /** The record as it stands, with the live byte counts. */
    ConnectionRecord current() {
        ConnectionRecord r = record;
        return new ConnectionRecord(r.id(), r.sessionId(), r.user(), r.application(), r.workspaceId(), r.clientName(),
                r.remote(), r.state(), r.connectedAt(), r.disconnectedAt(), r.disconnectReason(), bytesIn.get(), bytesOut.get());
    }

    long bytesIn() { return bytesIn.get(); }

    long bytesOut() { return bytesOut.get(); }

    @Override
    public void input(ByteBuffer bytes) {
        if (viewOnly) {
            long refused = inputRefused.addAndGet(bytes.remaining());
            throw new dev.tether.api.TetherException(dev.tether.api.ResultCode.ACCESS_DENIED, "connection " + id()
                    + " only views session " + session.id + ": its input is not sent to the program (" + refused
                    + " bytes refused so far)");
        }
        Attachment a = attachment;
        if (a != null && !detached && !session.record.locked()) { // a locked session ignores input
            SessionRecord now = session.record;
            int c = cols;
            int r = rows;
            if (c > 0 && (now.cols() != c || now.rows() != r)) {
                owner.resize(this, c, r); // the size follows the most recently active client, as tmux's window-size latest
            }
            int length = bytes.remaining();
            a.write(bytes); // refused whole (TOO_LARGE) when the queue is full: then nothing is counted
            bytesIn.addAndGet(length);
        }
    }

    /** Bytes of input refused because this connection only views. */
    long inputRefused() {
        return inputRefused.get();
    }

    @Override
    public void resize(int cols, int rows) {
        if (!viewOnly) { // a viewer's window does not change the size of a session it only watches
            if (cols >= 1 && cols <= 65535 && rows >= 1 && rows <= 65535) {
                this.cols = cols;
                this.rows = rows;
            }
            owner.resize(this, cols, rows);
        }
    }

    @Override public void gone(String reason) { owner.clientGone(this, reason); }

    @Override
    public void acknowledge(long messageId) {
        if (viewOnly) {
            throw new dev.tether.api.TetherException(dev.tether.api.ResultCode.ACCESS_DENIED, "connection " + id()
                    + " only views session " + session.id + ": the session's own clients answer its messages");
        }
        acknowledgements.accept(messageId);
    }

    @Override
    public void redraw() {
        Attachment a = attachment;
        if (a != null && !detached) {
            a.redraw();
        }
    }

    // Viewer: called on the PTY loop.
    @Override
    public boolean send(ByteBuffer output) {
        bytesOut.addAndGet(output.remaining());
        return transport.send(output);
    }

    @Override
    public boolean screen(ByteBuffer snapshot, long offset) {
        bytesOut.addAndGet(snapshot.remaining());
        return transport.screen(snapshot, offset);
    }

    @Override public void onWritable(Runnable callback) { transport.onWritable(callback); }

    @Override public void pauseInput() { transport.pauseInput(); }

    @Override public void resumeInput() { transport.resumeInput(); }

    @Override public void lost(long bytes) { transport.lost(bytes); }

    @Override
    public void tooSlow() {
        owner.clientGone(this, "too slow");
        transport.end(EndNotice.disconnected("too slow"));
    }
}
