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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Bookkeeping of asynchronous requests. A request is stored when accepted (RUNNING, its targets
 * PENDING) and once more when its last target finishes (COMPLETED, with a RequestCompleted
 * event). In between, per-target progress lives here in memory, so a request over thousands of
 * targets costs two writes, not one per target. Every outcome is recorded through a
 * {@link Target}, the one protocol for it: the services hand a target to the work that finishes it
 * and never count or settle anything themselves.
 */
public final class RequestBook {
    private static final Logger LOG = Logger.getLogger(RequestBook.class.getName());
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

        /** Records the target's outcome unless it has one; true when it was the last pending. */
        synchronized boolean record(int index, TargetResult result) {
            if (targets[index].status() != TargetStatus.PENDING) {
                return false;
            }
            targets[index] = result;
            return --pending == 0;
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

    /**
     * The target at {@code index} of request {@code requestId}: the one handle through which its
     * outcome is recorded. A target of a request that is not running (completed already, or never
     * stored) records nothing.
     */
    public Target target(long requestId, int index) {
        return new Target(running.get(requestId), index);
    }

    /**
     * One target of a running request. Its outcome is recorded exactly once, by whichever of
     * these comes first; later ones do nothing:
     * <ul>
     * <li>{@link #finish}: the outcome, in a write of its own when it completes the request;
     * <li>{@link #finishWhen}: the outcome of work that ends later, or the target's failure when the
     *     work fails: the guarantee that every target ends, whatever happened on the way;
     * <li>{@link #recordWith} then {@link #within} and {@link #written}: the outcome goes into the
     *     write the caller makes anyway (the one that stores the connection the target was about),
     *     together with the request's completion when due: one commit fewer on the hot paths of
     *     attach and disconnect. A target made of several writes (a session's connections) is
     *     recorded with the last of them. When that write fails, the target fails with its error.
     * </ul>
     * The last target recorded completes the request: it is stored COMPLETED with a
     * RequestCompleted event, and its {@link Submitted#completion()} completes.
     */
    public final class Target {
        private final Running request;
        private final int index;
        private TargetResult planned;
        private int parts;
        /** The completion {@link #within} stored, until {@link #written} hears whether it was committed. */
        private RequestRecord completion;

        private Target(Running request, int index) {
            this.request = request;
            this.index = index;
        }

        /** Records {@code result}; when it is the last, the completion is stored in a write of its own. */
        public void finish(TargetResult result) {
            if (request != null && request.record(index, result)) {
                complete(request);
            }
        }

        /** Records {@code work}'s result when it ends, or this target's failure by its error. */
        public void finishWhen(CompletionStage<TargetResult> work) {
            work.whenComplete((result, error) -> {
                if (request == null) {
                    return;
                }
                TargetResult outcome = result;
                if (error != null) {
                    synchronized (request) {
                        outcome = request.targets[index].failedBy(error);
                    }
                }
                finish(outcome);
            });
        }

        /** Plans {@code result} to be recorded in the last of {@code parts} of the caller's writes. */
        public synchronized Target recordWith(TargetResult result, int parts) {
            this.planned = result;
            this.parts = parts;
            return this;
        }

        /** Inside one of the caller's writes, on the writer thread: the last records the outcome, and the completion if due. */
        public synchronized void within(WriteTx tx) {
            if (planned == null || --parts > 0 || request == null) {
                return;
            }
            synchronized (request) {
                if (request.targets[index].status() != TargetStatus.PENDING) {
                    return;
                }
                if (request.pending == 1) {
                    TargetResult[] targets = request.targets.clone();
                    targets[index] = planned;
                    RequestRecord completed = completed(request, List.of(targets));
                    store(tx, completed); // first: should it throw, nothing changed in memory
                    completion = completed;
                }
                request.record(index, planned);
            }
        }

        /** After each of the caller's writes, with its outcome ({@code error} null once committed). */
        public synchronized void written(Throwable error) {
            if (planned == null || parts > 0 || request == null) {
                return; // not the last part yet
            }
            RequestRecord stored = completion;
            completion = null;
            if (error == null) {
                if (stored != null) {
                    running.remove(stored.id());
                    request.done.complete(stored);
                }
                return;
            }
            LOG.log(Level.WARNING, "request " + request.accepted.id() + ": the write that recorded target " + index
                    + " failed; the target fails with it", error);
            boolean last;
            synchronized (request) {
                if (request.targets[index] != planned) {
                    return; // recorded otherwise before this write
                }
                request.targets[index] = planned.failedBy(error); // the write that carried the outcome was not stored
                last = stored != null;
            }
            if (last) {
                complete(request); // nor the completion with it: store it on its own
            }
        }
    }

    /** Fails every target still pending with {@code code} (the server is stopping). */
    public void abandonAll(ResultCode code, String why) {
        for (Running r : running.values()) {
            for (int i = 0; i < r.targets.length; i++) {
                TargetResult t = r.targets[i];
                if (t.status() == TargetStatus.PENDING) {
                    new Target(r, i).finish(t.finish(TargetStatus.FAILED, code, t.description() + ": " + why));
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
