package dev.tether.client.compat;

import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.Subscription;
import dev.tether.client.TetherClient;
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
        switch (event.data()) {
            case Event.ConnectComplete c -> sink.onConnectComplete(connection(c.connectionId()), (int) c.requestId(), known(c.status()));
            case Event.DisconnectComplete d -> sink.onDisconnectComplete(connection(d.connectionId()), (int) d.requestId(),
                    known(d.status()));
            case Event.ConnectStateChange s -> sink.onConnectStateChange(connection(s.connectionId()),
                    s.state() != null ? s.state() : ConnectionState.DEACTIVATED, s.reason());
            default -> {
            }
        }
    }

    private MbnConnection connection(long id) {
        return MbnConnection.of(client, id);
    }

    /** A result code a newer server has and this SDK does not reads as null. */
    private static ResultCode known(ResultCode status) {
        return status != null ? status : ResultCode.INTERNAL;
    }
}
