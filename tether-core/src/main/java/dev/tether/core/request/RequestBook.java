package dev.tether.core.request;

import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.store.Store;
import dev.tether.core.store.WriteTx;
import dev.tether.core.time.Scheduler;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Bookkeeping of asynchronous requests. A request is stored when accepted (RUNNING, its targets
 * PENDING) and once more when its last target finishes (COMPLETED, with a RequestCompleted
 * event). In between, per-target progress lives here in memory, so a request over thousands of
 * targets costs two writes, not one per target.
 */
public final class RequestBook {
    private final Store store;
    private final InstantSource clock;
    private final Scheduler scheduler;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();

    public RequestBook(Store store, Scheduler scheduler) {
        this.store = store;
        this.clock = scheduler.clock();
        this.scheduler = scheduler;
    }

    private static final class Running {
        final RequestRecord accepted;
        final TargetResult[] targets;
        int pending;
        final CompletableFuture<RequestRecord> done = new CompletableFuture<>();

        Running(RequestRecord accepted) {
            this.accepted = accepted;
            this.targets = accepted.targets().toArray(TargetResult[]::new);
            this.pending = (int) accepted.targets().stream().filter(t -> t.status() == TargetStatus.PENDING).count();
        }

        synchronized RequestRecord snapshot() {
            return new RequestRecord(accepted.id(), accepted.operation(), accepted.user(), false, RequestStatus.RUNNING,
                    null, Arrays.asList(targets.clone()), accepted.createdAt(), null);
        }
    }

    /** Stores a new RUNNING request; targets already finished (failed, skipped) count as done. */
    public CompletableFuture<Submitted> open(Caller caller, String operation, List<TargetResult> targets) {
        return open(caller, operation, targets, tx -> null).thenApply(Opened::accepted);
    }

    /** An accepted request and what was written with it. */
    public record Opened<T>(Submitted accepted, T also) {
    }

    /**
     * Stores a new RUNNING request and, in the same transaction, what {@code also} writes (a
     * connection record, say): one commit instead of two on a hot path.
     */
    public <T> CompletableFuture<Opened<T>> open(Caller caller, String operation, List<TargetResult> targets, Function<WriteTx, T> also) {
        var draft = new RequestRecord(0, operation, caller.user(), false, RequestStatus.RUNNING, null, targets,
                clock.instant(), null);
        return store.write(tx -> Map.entry(tx.insertRequest(draft), java.util.Optional.ofNullable(also.apply(tx))))
                .thenApply(written -> {
                    RequestRecord stored = written.getKey();
                    var r = new Running(stored);
                    running.put(stored.id(), r);
                    if (r.pending == 0) {
                        complete(r);
                    }
                    return new Opened<>(new Submitted(stored, r.done), written.getValue().orElse(null));
                });
    }

    /** Records the outcome of the target at {@code index}; the last one completes the request. */
    public void finish(long requestId, int index, TargetResult result) {
        Running r = running.get(requestId);
        if (r == null) {
            return;
        }
        boolean last;
        synchronized (r) {
            if (r.targets[index].status() != TargetStatus.PENDING) {
                return;
            }
            r.targets[index] = result;
            last = --r.pending == 0;
        }
        if (last) {
            complete(r);
        }
    }

    /**
     * Records the outcome of the target at {@code index} as part of a write the caller makes anyway
     * (the one that stores the connection the target was about): {@link Finish#within} goes into
     * that write and, when the outcome completes the request, stores the completion in the same
     * transaction: one commit fewer on the hot paths of attach and disconnect. A target made of
     * {@code parts} writes (a session's several connections) is recorded with the last of them.
     * Call {@link Finish#settle} after each of those writes; when they fail, the caller records the
     * target's failure with {@link #finish} (which does nothing once the outcome is recorded).
     */
    public Finish finishWith(long requestId, int index, TargetResult result, int parts) {
        return new Finish(requestId, index, result, parts);
    }

    public final class Finish {
        private final long requestId;
        private final int index;
        private final TargetResult result;
        private int remaining;
        private boolean settled;
        private Running running;
        private RequestRecord done;

        private Finish(long requestId, int index, TargetResult result, int parts) {
            this.requestId = requestId;
            this.index = index;
            this.result = result;
            this.remaining = parts;
        }

        /** Inside one of the caller's writes, on the writer thread: the last records the outcome, and the completion if due. */
        public synchronized void within(WriteTx tx) {
            if (--remaining > 0) {
                return;
            }
            Running r = RequestBook.this.running.get(requestId);
            if (r == null) {
                return;
            }
            synchronized (r) {
                if (r.targets[index].status() != TargetStatus.PENDING) {
                    return;
                }
                if (r.pending == 1) {
                    TargetResult[] targets = r.targets.clone();
                    targets[index] = result;
                    RequestRecord completed = completed(r, List.of(targets));
                    store(tx, completed); // first: should it throw, nothing changed in memory
                    done = completed;
                }
                r.targets[index] = result;
                r.pending--;
                running = r;
            }
        }

        /** After each of the caller's writes, with its outcome ({@code error} null once committed). */
        public synchronized void settle(Throwable error) {
            if (remaining > 0 || settled || done == null) {
                return; // not the last part yet, or it did not complete the request
            }
            settled = true;
            if (error == null) {
                RequestBook.this.running.remove(requestId);
                running.done.complete(done);
            } else {
                complete(running); // the write that carried the completion was not stored: store it on its own
            }
        }
    }

    /** Fails every target still pending with {@code code} (the server is stopping). */
    public void abandonAll(ResultCode code, String why) {
        for (Running r : running.values()) {
            for (int i = 0; i < r.targets.length; i++) {
                TargetResult t = r.targets[i];
                if (t.status() == TargetStatus.PENDING) {
                    finish(r.accepted.id(), i, t.finish(TargetStatus.FAILED, code, t.description() + ": " + why));
                }
            }
        }
    }

    private RequestRecord completed(Running r, List<TargetResult> targets) {
        return new RequestRecord(r.accepted.id(), r.accepted.operation(), r.accepted.user(), false,
                RequestStatus.COMPLETED, overall(targets), targets, r.accepted.createdAt(), clock.instant());
    }

    /** Stores a completed request and its RequestCompleted event. */
    static void store(WriteTx tx, RequestRecord done) {
        tx.updateRequest(done);
        tx.append(new EventRecord(done.completedAt(), null, done.user(), summary(done)));
    }

    private void complete(Running r) {
        RequestRecord done;
        synchronized (r) {
            done = completed(r, List.of(r.targets));
        }
        store.write(tx -> {
            store(tx, done);
            return done;
        }).whenComplete((stored, error) -> {
            running.remove(done.id());
            if (error != null) {
                r.done.completeExceptionally(error);
            } else {
                r.done.complete(done);
            }
        });
    }

    /** OK when every target succeeded or was skipped, else the first failed target's code. */
    public static ResultCode overall(List<TargetResult> targets) {
        for (TargetResult t : targets) {
            if (t.status() == TargetStatus.FAILED) {
                return t.result();
            }
        }
        return ResultCode.OK;
    }

    static Event.RequestCompleted summary(RequestRecord r) {
        long done = r.targets().stream().filter(t -> t.status() == TargetStatus.DONE).count();
        long failed = r.targets().stream().filter(t -> t.status() == TargetStatus.FAILED).count();
        long skipped = r.targets().stream().filter(t -> t.status() == TargetStatus.SKIPPED).count();
        return new Event.RequestCompleted(r.id(), r.operation(), r.result(), done, failed, skipped);
    }

    /** The request as it stands: from memory while running, else from the store. */
    public CompletableFuture<RequestRecord> get(Caller caller, long id) {
        Running r = running.get(id);
        CompletableFuture<RequestRecord> found = r != null
                ? CompletableFuture.completedFuture(r.snapshot())
                : store.read(tx -> tx.request(id).orElse(null));
        return found.thenApply(rec -> {
            if (rec == null || !caller.maySee(rec.user())) {
                throw new TetherException(ResultCode.NOT_FOUND, "no request " + id + " on this server");
            }
            return rec;
        });
    }

    /** The request once completed, or as it stands after {@code timeout}. */
    public CompletableFuture<RequestRecord> await(Caller caller, long id, Duration timeout) {
        return get(caller, id).thenCompose(rec -> {
            Running r = running.get(id);
            if (rec.status() == RequestStatus.COMPLETED || r == null) {
                return rec.status() == RequestStatus.COMPLETED ? CompletableFuture.completedFuture(rec) : get(caller, id);
            }
            return scheduler.completeAfter(r.done.copy(), timeout, null)
                    .thenCompose(done -> done != null ? CompletableFuture.completedFuture(done) : get(caller, id));
        });
    }
}
