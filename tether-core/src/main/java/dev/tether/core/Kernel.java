package dev.tether.core;

import dev.tether.core.request.RequestBook;
import dev.tether.core.store.Store;
import dev.tether.core.terminal.PtyHost;
import dev.tether.core.time.Scheduler;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The core's composition root: it builds each part of the live kernel once, gives it exactly what
 * it needs, and hands the parts to the surfaces (REST, WebSocket, events). Calls run one way, from
 * the commands down to the owners of the facts, none back up: {@link SessionService} uses
 * {@link Connections} and {@link SessionMessages}; those use the {@link SessionRegistry},
 * {@link Changes} and the {@link RequestBook}; all of them the store and the scheduler. A
 * {@link Client} reports what its transport says to {@link Connections}, which owns it. See
 * docs/architecture.md, "Who owns which fact".
 */
public final class Kernel implements AutoCloseable {
    private final SessionRegistry registry;
    private final RequestBook requests;
    private final SessionMessages messages;
    private final Connections connections;
    private final SessionService sessions;
    private final EventLog events;

    public Kernel(Store store, PtyHost pty, Scheduler scheduler, SessionService.Settings settings) {
        this(store, pty, scheduler, settings, System.getenv());
    }

    /** @param serverEnv the server's environment, which a session's environment starts from */
    Kernel(Store store, PtyHost pty, Scheduler scheduler, SessionService.Settings settings, Map<String, String> serverEnv) {
        var changes = new Changes(store, scheduler.clock());
        this.registry = new SessionRegistry(store, settings.serverName());
        this.requests = new RequestBook(store, scheduler);
        this.messages = new SessionMessages(registry, changes, store, scheduler);
        this.connections = new Connections(registry, changes, requests, store, scheduler, messages::acknowledge);
        this.sessions = new SessionService(store, pty, scheduler, settings, serverEnv, registry, changes, requests,
                connections, messages);
        this.events = new EventLog(store);
    }

    /** Opens for business at {@code url}; see {@link SessionService#start}. */
    public CompletableFuture<Integer> start(String url) {
        return sessions.start(url);
    }

    /** Starting, disconnecting, closing, locking and unlocking sessions. */
    public SessionService sessions() {
        return sessions;
    }

    /** Reading sessions: live ones with their clients, closed ones from the store. */
    public SessionRegistry registry() {
        return registry;
    }

    /** Attaching, listing and disconnecting connections (IMbnConnection). */
    public Connections connections() {
        return connections;
    }

    /** Messages to a session's clients (WTSSendMessage). */
    public SessionMessages messages() {
        return messages;
    }

    /** Asynchronous requests, read and awaited. */
    public RequestBook requests() {
        return requests;
    }

    /** The event log: history and live events. */
    public EventLog events() {
        return events;
    }

    /** Closes every session and records ServerStopped; see {@link SessionService#close}. */
    @Override
    public void close() {
        sessions.close();
    }
}
