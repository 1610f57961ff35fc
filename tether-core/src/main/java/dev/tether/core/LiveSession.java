package dev.tether.core;

import dev.tether.api.SessionInfo;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.time.Scheduler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A session that is not CLOSED yet: its record, terminal and clients. Changes are made holding its
 * monitor; {@code record} is also read without it (listings, visibility checks), so it is volatile.
 */
final class LiveSession {
    final long id;
    volatile SessionRecord record;
    Terminal terminal;
    final Set<Client> clients = new LinkedHashSet<>();
    /** Set when a close request was accepted for it, before the request is stored; one close is accepted, not several. */
    boolean closeClaimed;
    /** Set when a close (logoff, server stop) began; the reason the session will be closed with. */
    String closeReason;
    /** The exit code of a program that ended before its start was recorded; launch() records the exit after the start. */
    Integer exitedBeforeStart;
    /** The lock screen's message while locked. */
    String lockMessage;
    /** The SIGTERM and SIGKILL deadlines of a close under way; cancelled when the program is gone. */
    final List<Scheduler.Deadline> escalations = new ArrayList<>();
    /** Completes with the CLOSED record once it is stored. */
    final CompletableFuture<SessionRecord> closed = new CompletableFuture<>();

    LiveSession(SessionRecord record) {
        this.id = record.id();
        this.record = record;
    }

    SessionInfo info() {
        synchronized (this) {
            return record.info(clients.size());
        }
    }

    /** {@code session 4 (alice, bash)}: how targets are named to people. */
    String describe() {
        return describe(record);
    }

    static String describe(SessionRecord r) {
        String program = r.command().getFirst();
        return "session " + r.id() + " (" + r.user() + ", " + program.substring(program.lastIndexOf('/') + 1) + ")";
    }
}
