package dev.tether.client.compat;

import dev.tether.client.Subscription;
import dev.tether.client.TetherClient;
import dev.tether.api.ConnectionState;
import dev.tether.core.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection point of {@link MbnConnectionEvents} (IConnectionPoint): {@link #advise} a sink to
 * hear ConnectComplete, DisconnectComplete and ConnectStateChange from the event stream, and
 * {@link #unadvise} it with the cookie advise returned. A dropped stream is resumed with no event lost
 * or repeated. {@link #close()} unadvises every sink.
 */
public final class MbnConnectionPoint implements AutoCloseable {
    private final TetherClient client;
    private final Map<Integer, Subscription> sinks = new ConcurrentHashMap<>();
    private final AtomicInteger cookies = new AtomicInteger();

    public MbnConnectionPoint(TetherClient client) {
        this.client = client;
    }

    /** Advise: {@code sink} hears what happens from now on. Returns the cookie for {@link #unadvise}. */
    public int advise(MbnConnectionEvents sink) {
        return advise(sink, client.events().lastEventId());
    }

    /** Advise, starting after event {@code fromEventId} (0: replay the whole log first). */
    public int advise(MbnConnectionEvents sink, long fromEventId) {
        int cookie = cookies.incrementAndGet();
        sinks.put(cookie, client.events().subscribe(event -> dispatch(sink, event), fromEventId));
        return cookie;
    }

    /** Unadvise: the sink hears nothing more. An unknown cookie is NOT_FOUND (CONNECT_E_NOCONNECTION). */
    public void unadvise(int cookie) {
        Subscription subscription = sinks.remove(cookie);
        if (subscription == null) {
            throw new TetherException(ResultCode.NOT_FOUND, "no sink is advised with cookie " + cookie);
        }
        subscription.close();
    }

    @Override
    public void close() {
        sinks.values().forEach(Subscription::close);
        sinks.clear();
    }

    private void dispatch(MbnConnectionEvents sink, EventRecord event) {
        Map<String, Object> data = event.data();
        if (!(data.get("connectionId") instanceof Number id)) {
            return;
        }
        MbnConnection connection = MbnConnection.of(client, id.longValue());
        switch (event.type()) {
            case "ConnectComplete" -> sink.onConnectComplete(connection, requestId(data), status(data));
            case "DisconnectComplete" -> sink.onDisconnectComplete(connection, requestId(data), status(data));
            case "ConnectStateChange" -> sink.onConnectStateChange(connection, state(data),
                    data.get("reason") instanceof String reason ? reason : null);
            default -> {
            }
        }
    }

    private static int requestId(Map<String, Object> data) {
        return data.get("requestId") instanceof Number n ? (int) n.longValue() : 0;
    }

    private static ResultCode status(Map<String, Object> data) {
        try {
            return ResultCode.valueOf(String.valueOf(data.get("status")));
        } catch (IllegalArgumentException newerServer) {
            return ResultCode.INTERNAL;
        }
    }

    private static ConnectionState state(Map<String, Object> data) {
        try {
            return ConnectionState.valueOf(String.valueOf(data.get("state")));
        } catch (IllegalArgumentException newerServer) {
            return ConnectionState.DEACTIVATED;
        }
    }
}
