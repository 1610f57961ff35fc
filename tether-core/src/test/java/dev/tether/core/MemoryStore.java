package dev.tether.core;

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

    @Override
    public synchronized <T> CompletableFuture<T> read(Function<ReadTx, T> work) {
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

    @Override public Optional<RequestRecord> request(long id) { return Optional.ofNullable(requests.get(id)); }

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

    synchronized List<String> eventTypes() {
        return events.stream().map(EventRecord::type).toList();
    }
}
