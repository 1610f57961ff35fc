package dev.tether.client.compat;

import dev.tether.api.ConnectionState;
import dev.tether.api.Ids;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.AttachListener;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TetherClient;

/**
 * IMbnConnection for Java: one connection to a session, connected and disconnected asynchronously.
 * {@link #connect} and {@link #disconnect} return a request id at once; the outcome follows as
 * OnConnectComplete / OnDisconnectComplete with the same id, to sinks advised on an
 * {@link MbnConnectionPoint}.
 *
 * <p>Request ids are uint32, returned as an {@code int} with the same bits as Windows' {@code ULONG}:
 * {@link Integer#toUnsignedLong(int)} gives the id back. Failures are thrown as {@link TetherException};
 * {@code code().hresult()} is the HRESULT (NOT_FOUND 0x80070490, ACCESS_DENIED 0x80070005).
 */
public final class MbnConnection implements AutoCloseable {
    private final TetherClient client;
    private volatile long connectionId;
    private volatile TerminalConnection terminal;

    private MbnConnection(TetherClient client, long connectionId) {
        this.client = client;
        this.connectionId = connectionId;
    }

    /** A connection that is not connected yet: {@link #connect} makes it. */
    public static MbnConnection create(TetherClient client) {
        return new MbnConnection(client, 0);
    }

    /** The existing connection {@code connectionId} (from a listing, or an event). */
    public static MbnConnection of(TetherClient client, long connectionId) {
        return new MbnConnection(client, Ids.check("connection", connectionId));
    }

    /** The ConnectionID; 0 before {@link #connect}. */
    public long getConnectionId() {
        return connectionId;
    }

    /**
     * Connect: "the connection request is asynchronous" — starts connecting to the session and returns
     * the request id at once; OnConnectComplete with that id follows when the connection is ACTIVATED
     * or failed. This client's terminal output goes to {@code listener}.
     *
     * @param sessionId the session to connect to (Windows' profile)
     * @param clientName the name recorded for this client; may be null
     * @return the connect request's id
     */
    public synchronized int connect(long sessionId, String clientName, AttachListener listener) {
        TerminalConnection current = terminal;
        if (current != null && !current.closed().isDone()) {
            throw new TetherException(ResultCode.INVALID_STATE, "connection " + connectionId + " is connected already; disconnect it first");
        }
        TerminalConnection opened = client.attach(sessionId, 0, 0, clientName, listener);
        terminal = opened;
        connectionId = opened.connectionId();
        return (int) opened.requestId();
    }

    /**
     * Disconnect: "returns a unique request id at once"; OnDisconnectComplete(connection, requestId,
     * status) follows when the connection is DEACTIVATED. Already disconnected: NOT_FOUND (0x80070490),
     * with no request made. A caller whose token is restricted to an application may disconnect only
     * connections that application initiated (ACCESS_DENIED otherwise).
     *
     * @return the disconnect request's id
     */
    public int disconnect() {
        long id = connectionId;
        if (id == 0) {
            throw new TetherException(ResultCode.NOT_FOUND, "this connection was never connected; there is nothing to disconnect");
        }
        return (int) client.connections().disconnect(id).id();
    }

    /** GetConnectionState: the MBN_ACTIVATION_STATE now (DEACTIVATED before {@link #connect}). */
    public ConnectionState getConnectionState() {
        long id = connectionId;
        return id == 0 ? ConnectionState.DEACTIVATED : client.connections().get(id).state();
    }

    /** The terminal {@link #connect} opened, for sending keys; null if this instance did not connect. */
    public TerminalConnection terminal() {
        return terminal;
    }

    /** Lets go of a terminal opened by {@link #connect} without a disconnect request. Idempotent. */
    @Override
    public void close() {
        TerminalConnection current = terminal;
        if (current != null) {
            current.detach();
        }
    }

    @Override
    public String toString() {
        return "MbnConnection[" + connectionId + "]";
    }
}
