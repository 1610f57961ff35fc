package dev.tether.client.compat;

import dev.tether.api.ConnectionState;
import dev.tether.api.ResultCode;

/**
 * IMbnConnectionEvents for Java: the sink an {@link MbnConnectionPoint} calls, on its own thread, one
 * call at a time, in event order. An exception thrown here is logged and the next event is delivered.
 */
public interface MbnConnectionEvents {

    /**
     * OnConnectComplete: a connect request finished — the connection is ACTIVATED ({@code OK}) or failed.
     *
     * @param requestId the id {@link MbnConnection#connect} returned
     */
    default void onConnectComplete(MbnConnection connection, int requestId, ResultCode status) {
    }

    /**
     * OnDisconnectComplete: a disconnect request finished; the connection is DEACTIVATED.
     *
     * @param requestId the id {@link MbnConnection#disconnect} returned (or a session or workspace
     *     disconnect's, when that request let this connection go)
     */
    default void onDisconnectComplete(MbnConnection connection, int requestId, ResultCode status) {
    }

    /**
     * OnConnectStateChange: the system changed the connection's state on its own (the client went away,
     * the network dropped, the client was too slow, the server restarted).
     */
    default void onConnectStateChange(MbnConnection connection, ConnectionState state, String reason) {
    }
}
