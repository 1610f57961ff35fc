package dev.tether.core;

import dev.tether.api.ConnectionQuery;
import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.Store;
import dev.tether.core.store.TokenRecord;
import dev.tether.core.store.WorkspaceRecord;
import dev.tether.core.store.WriteTx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The store port in memory, for unit tests of core logic: writes run at once under one lock,
 * committed events reach listeners in id order. (The SQLite store is tested in tether-store and
 * used by every integration test.)
 */
final class MemoryStore implements Store, WriteTx {
    final TreeMap<Long, SessionRecord> sessions = new TreeMap<>();
    final TreeMap<Long, RequestRecord> requests = new TreeMap<>();
    final List<EventRecord> events = new ArrayList<>();
    final List<UserRecord> users = new ArrayList<>();
    final List<TokenRecord> tokens = new ArrayList<>();
    final TreeMap<Long, ConnectionRecord> connections = new TreeMap<>();
    final java.util.Map<String, WorkspaceRecord> workspaces = new java.util.LinkedHashMap<>();
    final java.util.Map<String, CredentialRecord> credentials = new java.util.LinkedHashMap<>();
    final java.util.Map<Long, String> passwords = new java.util.HashMap<>();
    private long nextConnection = 1;
    private final List<Consumer<List<EventRecord>>> listeners = new CopyOnWriteArrayList<>();
    private List<EventRecord> pending = new ArrayList<>();
    private long nextSession = 1;
    private long nextRequest = 1;

    @Override
    public synchronized <T> CompletableFuture<T> write(Function<WriteTx, T> work) {
        pending = new ArrayList<>();
        try {
            T result = work.apply(this);
            List<EventRecord> committed = List.copyOf(pending);
            if (!committed.isEmpty()) {
                listeners.forEach(l -> l.accept(committed));
            }
            return CompletableFuture.completedFuture(result);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** While set, reads wait here (not holding the store) until {@link #releaseReads()}. */
    private CompletableFuture<Void> readGate;

    /** Makes every read from now on wait until {@link #releaseReads()}, as a busy reader pool would. */
    synchronized void holdReads() {
        readGate = new CompletableFuture<>();
    }

    void releaseReads() {
        CompletableFuture<Void> gate;
        synchronized (this) {
            gate = readGate;
            readGate = null;
        }
        gate.complete(null);
    }

    @Override
    public <T> CompletableFuture<T> read(Function<ReadTx, T> work) {
        CompletableFuture<Void> gate;
        synchronized (this) {
            gate = readGate;
        }
        return gate == null ? readNow(work) : gate.thenCompose(v -> readNow(work));
    }

    private synchronized <T> CompletableFuture<T> readNow(Function<ReadTx, T> work) {
        try {
            return CompletableFuture.completedFuture(work.apply(this));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override public void onCommit(Consumer<List<EventRecord>> listener) { listeners.add(listener); }

    @Override public void close() { }

    @Override public Optional<SessionRecord> session(long id) { return Optional.ofNullable(sessions.get(id)); }

    @Override
    public List<SessionRecord> sessions(boolean includeClosed) {
        return sessions.values().stream().filter(s -> includeClosed || s.state() != SessionState.CLOSED).toList();
    }

    @Override
    public List<EventRecord> events(long afterId, int limit) {
        return events.stream().filter(e -> e.id() > afterId).limit(limit).toList();
    }

    @Override public long lastEventId() { return events.isEmpty() ? 0 : events.getLast().id(); }
    @Override public long lastEventId(String user) {
        return events.reversed().stream().filter(e -> user.equals(e.user())).mapToLong(EventRecord::id).findFirst().orElse(0);
    }

    @Override public Optional<RequestRecord> request(long id) { return Optional.ofNullable(requests.get(id)); }

    @Override
    public List<RequestRecord> requests(RequestStatus status) {
        return requests.values().stream().filter(r -> r.status() == status).toList();
    }

    @Override public Optional<UserRecord> user(String name) { return users.stream().filter(u -> u.name().equals(name)).findFirst(); }

    @Override public Optional<UserRecord> user(long id) { return users.stream().filter(u -> u.id() == id).findFirst(); }

    @Override public List<UserRecord> users() { return List.copyOf(users); }

    @Override public Optional<TokenRecord> tokenByHash(String hash) { return tokens.stream().filter(t -> t.hash().equals(hash)).findFirst(); }

    @Override
    public SessionRecord insertSession(SessionRecord session) {
        SessionRecord r = session.withId(nextSession++);
        sessions.put(r.id(), r);
        return r;
    }

    @Override public void updateSession(SessionRecord session) { sessions.put(session.id(), session); }

    @Override public void deleteSession(long id) { sessions.remove(id); }

    @Override
    public RequestRecord insertRequest(RequestRecord request) {
        RequestRecord r = request.withId(nextRequest++);
        requests.put(r.id(), r);
        return r;
    }

    @Override public void updateRequest(RequestRecord request) { requests.put(request.id(), request); }

    @Override
    public UserRecord insertUser(UserRecord user) {
        UserRecord u = user.withId(users.size() + 1);
        users.add(u);
        return u;
    }

    @Override
    public TokenRecord insertToken(TokenRecord token) {
        TokenRecord t = token.withId(tokens.size() + 1);
        tokens.add(t);
        return t;
    }

    @Override
    public EventRecord append(EventRecord event) {
        EventRecord e = event.withId(events.size() + 1);
        events.add(e);
        pending.add(e);
        return e;
    }

    @Override public Optional<String> passwordHash(String userName) { return user(userName).map(u -> passwords.get(u.id())); }

    @Override public Optional<ConnectionRecord> connection(long id) { return Optional.ofNullable(connections.get(id)); }

    @Override
    public List<ConnectionRecord> connections(ConnectionQuery q) {
        return connections.values().stream()
                .filter(c -> q.sessionId() == null || c.sessionId() == q.sessionId())
                .filter(c -> q.state() == null || c.state() == q.state())
                .filter(c -> q.workspaceId() == null || q.workspaceId().equals(c.workspaceId()))
                .filter(c -> q.user() == null || q.user().equals(c.user()))
                .toList();
    }

    @Override public Optional<WorkspaceRecord> workspace(String user, String id) { return Optional.ofNullable(workspaces.get(user + "/" + id)); }

    @Override
    public List<WorkspaceRecord> workspaces(String user) {
        return workspaces.values().stream().filter(w -> user == null || w.user().equals(user)).toList();
    }

    @Override public Optional<CredentialRecord> credential(String user, String id) { return Optional.ofNullable(credentials.get(user + "/" + id)); }

    @Override
    public List<CredentialRecord> expiredCredentials(java.time.Instant at) {
        return credentials.values().stream().filter(c -> c.expiresAt() != null && !c.expiresAt().isAfter(at)).toList();
    }

    @Override public void setPasswordHash(long userId, String hash) { passwords.put(userId, hash); }

    @Override
    public void setOsUser(long userId, String osUser) {
        users.replaceAll(u -> u.id() == userId ? new UserRecord(u.id(), u.name(), u.admin(), u.createdAt(), osUser) : u);
    }

    @Override
    public void revokeWorkspaceTokens(long userId, String workspaceId, java.time.Instant at) {
        tokens.replaceAll(t -> t.userId() == userId && workspaceId.equals(t.workspaceId()) && t.revokedAt() == null
                ? new TokenRecord(t.id(), t.userId(), t.hash(), t.application(), t.workspaceId(), t.createdAt(), at) : t);
    }

    @Override
    public ConnectionRecord insertConnection(ConnectionRecord connection) {
        ConnectionRecord c = connection.withId(nextConnection++);
        connections.put(c.id(), c);
        return c;
    }

    /** When set, every connection update fails with it, as a full disk would fail a write. */
    volatile RuntimeException failConnectionUpdates;

    @Override public void updateConnection(ConnectionRecord connection) {
        if (failConnectionUpdates != null) {
            throw failConnectionUpdates;
        }
        connections.put(connection.id(), connection);
    }

    @Override
    public void insertWorkspace(WorkspaceRecord w) {
        if (workspaces.putIfAbsent(w.user() + "/" + w.id(), w) != null) {
            throw new TetherException(ResultCode.CONFLICT, "the workspace ID " + w.id() + " already exists for " + w.user());
        }
    }

    /** As the SQLite store: a workspace's credentials go with it. */
    @Override
    public void deleteWorkspace(String user, String id) {
        workspaces.remove(user + "/" + id);
        credentials.remove(user + "/" + id);
    }

    /** As the SQLite store: credentials need their workspace. */
    @Override
    public void putCredential(CredentialRecord c) {
        if (!workspaces.containsKey(c.user() + "/" + c.workspaceId())) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot store credentials for " + c.workspaceId() + ": no such workspace");
        }
        credentials.put(c.user() + "/" + c.workspaceId(), c);
    }

    @Override public void deleteCredential(String user, String id) { credentials.remove(user + "/" + id); }

    synchronized List<String> eventTypes() {
        return events.stream().map(EventRecord::type).toList();
    }
}
