package dev.tether.core.account;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The one way to a password hash: log-on, workspace OnAuthenticated, session unlock and setting a
 * password all go through here, so one bounded queue and one set of throttles guard them.
 *
 * <p>Why: an Argon2id hash costs 19 MiB and tens of milliseconds of a core, by design. Queued
 * without limit, a flood of wrong passwords made a correct log-on wait 11 s and grew the heap to
 * hundreds of MiB. So:
 * <ul>
 *   <li><b>Bounded work.</b> At most {@link Limits#capacity} checks are admitted at once (running on
 *       the hashing threads or waiting for one); the next is refused RATE_LIMITED (retry after 1 s),
 *       never queued.</li>
 *   <li><b>One origin, few slots.</b> An origin (a client address for log-on, the calling user for
 *       authenticated calls) has at most {@link Limits#perOrigin} checks admitted at once, so a flood
 *       from one address leaves the other slots, and a correct log-on from elsewhere waits behind at
 *       most that many hashes.</li>
 *   <li><b>Failures cost time.</b> Failures are counted per user name and per origin. The first
 *       {@link Limits#freeFailures} are free; each further one blocks that user name and that origin
 *       for {@link Limits#firstDelay} doubled per failure, up to {@link Limits#maxDelay}. While
 *       blocked, checks are refused RATE_LIMITED with the remaining time, without hashing, even with
 *       the right password (or the throttle would not slow guessing). A success clears the user's
 *       count, not the origin's (one's own account must not launder an address's guesses). Counts
 *       are forgotten {@link Limits#forgetAfter} after the last failure; each map keeps at most
 *       {@link Limits#maxKeys} names, evicting the one whose last failure is oldest.</li>
 *   <li><b>Same cost whether the user exists.</b> An unknown user, or one without a password, is
 *       checked against a dummy hash made at start with the same parameters, and counted the same,
 *       so neither timing nor throttling tells names apart.</li>
 * </ul>
 * Time is read from the injected clock. Counters are small (a name, an int, two instants) and live
 * under one lock each; hashing happens outside any lock.
 */
public final class PasswordChecks {
    private static final Logger LOG = Logger.getLogger(PasswordChecks.class.getName());
    private static final Duration BUSY_RETRY = Duration.ofSeconds(1);

    /**
     * @param capacity checks admitted at once, running or waiting for a hashing thread
     * @param perOrigin checks admitted at once for one origin
     * @param freeFailures failures of one user or origin before each further one delays it
     * @param firstDelay the delay after the first failure past the free ones; it doubles with each
     * @param maxDelay the longest delay
     * @param forgetAfter a count is forgotten this long after its last failure
     * @param maxKeys names kept per map (users, origins)
     */
    public record Limits(int capacity, int perOrigin, int freeFailures, Duration firstDelay, Duration maxDelay,
                         Duration forgetAfter, int maxKeys) {
        /** 8 at once (2 hashing, 6 waiting), 2 per origin, 5 free failures, then 1 s doubling to 5 min, forgotten after 15 min, 10,000 names. */
        public static final Limits DEFAULTS = new Limits(8, 2, 5, Duration.ofSeconds(1), Duration.ofMinutes(5),
                Duration.ofMinutes(15), 10_000);

        public Limits {
            if (capacity < 1 || perOrigin < 1 || perOrigin > capacity || freeFailures < 0 || maxKeys < 1) {
                throw new IllegalArgumentException("password check limits need 1 <= perOrigin <= capacity, freeFailures >= 0, maxKeys >= 1: "
                        + capacity + ", " + perOrigin + ", " + freeFailures + ", " + maxKeys);
            }
            Objects.requireNonNull(firstDelay, "firstDelay");
            Objects.requireNonNull(maxDelay, "maxDelay");
            Objects.requireNonNull(forgetAfter, "forgetAfter");
        }
    }

    private final PasswordHasher hasher;
    private final Executor threads;
    private final InstantSource clock;
    private final Limits limits;
    private final String dummyHash;
    private final Failures users;
    private final Failures origins;
    private final Map<String, Integer> admittedByOrigin = new java.util.HashMap<>();
    private int admitted;

    /**
     * @param threads where hashing runs: never an event loop nor the store's writer; its own queue
     *     never holds more than {@code limits.capacity()} tasks from here
     */
    public PasswordChecks(PasswordHasher hasher, Executor threads, InstantSource clock, Limits limits) {
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.users = new Failures(limits);
        this.origins = new Failures(limits);
        // On a hashing thread, as every hash: a hasher may keep its working memory per thread (Argon2id's
        // 19 MiB), which the thread that builds the checks (the server's main thread) would hold for good.
        this.dummyHash = CompletableFuture.supplyAsync(() -> hasher.hash(randomPassword()), threads).join();
    }

    /**
     * Checks {@code password} against {@code hash} (the dummy hash when empty, which always fails) for
     * {@code user}, asked by {@code origin}. Completes with the outcome, or fails RATE_LIMITED (with
     * a retry time) when the user or origin is throttled or the queue is full.
     */
    public CompletableFuture<Boolean> verify(String user, String origin, char[] password, Optional<String> hash) {
        Optional<TetherException> refused = refusal(user, origin);
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        // &, not &&: the dummy hash is checked too, so an unknown user costs what a known one does.
        return run(origin, () -> hash.isPresent() & hasher.verify(password, hash.orElse(dummyHash)))
                .thenApply(ok -> counted(user, origin, ok));
    }

    /** Counts an outcome: a success clears the user's failures, a failure adds one to the user's and the origin's. */
    private boolean counted(String user, String origin, boolean ok) {
        Instant at = clock.instant();
        if (ok) {
            users.clear(user);
        } else {
            users.fail(user, at);
            origins.fail(origin, at);
            LOG.info(() -> "failed password check for " + user + " from " + origin);
        }
        return ok;
    }

    /**
     * A check made elsewhere (a Linux password, by PAM in the keeper), admitted and counted as a
     * hash check is: refused while the user or origin is throttled or the origin has its checks
     * under way, and each failure delays the next ones.
     */
    public CompletableFuture<Boolean> verifyElsewhere(String user, String origin, Supplier<CompletableFuture<Boolean>> check) {
        Optional<TetherException> refused = refusal(user, origin).or(() -> admit(origin));
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        CompletableFuture<Boolean> checked;
        try {
            checked = check.get();
        } catch (RuntimeException e) {
            checked = CompletableFuture.failedFuture(e);
        }
        return checked.whenComplete((r, e) -> release(origin)).thenApply(ok -> counted(user, origin, ok));
    }

    /**
     * Why a check for {@code user} from {@code origin} would be refused now, if it would: the user
     * or origin is blocked, the origin has its checks under way, or the gate is full. Callers ask
     * before reading the hash, so a flood that is refused costs no store read either.
     */
    public Optional<TetherException> refusal(String user, String origin) {
        Instant now = clock.instant();
        Optional<Duration> wait = users.blocked(user, now).or(() -> origins.blocked(origin, now));
        if (wait.isPresent()) {
            LOG.fine(() -> "password check for " + user + " from " + origin + " refused: throttled for " + wait.get());
            return Optional.of(new TetherException(ResultCode.RATE_LIMITED, "too many failed password checks for "
                    + user + " or from " + origin + "; try again in " + seconds(wait.get()) + " s", roundUp(wait.get())));
        }
        synchronized (this) {
            return busy(origin, admittedByOrigin.getOrDefault(origin, 0));
        }
    }

    private Optional<TetherException> busy(String origin, int mine) {
        if (admitted < limits.capacity() && mine < limits.perOrigin()) {
            return Optional.empty();
        }
        String why = mine >= limits.perOrigin()
                ? mine + " password checks from " + origin + " are already under way"
                : "the server is busy checking " + admitted + " passwords";
        return Optional.of(new TetherException(ResultCode.RATE_LIMITED, why + "; try again in " + seconds(BUSY_RETRY) + " s", BUSY_RETRY));
    }

    /** A new hash of {@code password}, through the same bounded queue. */
    public CompletableFuture<String> hash(String origin, char[] password) {
        return run(origin, () -> hasher.hash(password));
    }

    private <T> CompletableFuture<T> run(String origin, Supplier<T> work) {
        Optional<TetherException> full = admit(origin);
        if (full.isPresent()) {
            return CompletableFuture.failedFuture(full.get());
        }
        try {
            return CompletableFuture.supplyAsync(work, threads).whenComplete((r, e) -> release(origin));
        } catch (RejectedExecutionException e) {
            release(origin);
            return CompletableFuture.failedFuture(new TetherException(ResultCode.CANCELLED, "the server is stopping; passwords are no longer checked"));
        }
    }

    /** Admits one check of {@code origin} (released by {@link #release}), or says why not. */
    private synchronized Optional<TetherException> admit(String origin) {
        int mine = admittedByOrigin.getOrDefault(origin, 0);
        Optional<TetherException> full = busy(origin, mine);
        if (full.isEmpty()) {
            admitted++;
            admittedByOrigin.put(origin, mine + 1);
        }
        return full;
    }

    private synchronized void release(String origin) {
        admitted--;
        admittedByOrigin.computeIfPresent(origin, (k, n) -> n == 1 ? null : n - 1);
    }

    private static long seconds(Duration d) {
        return roundUp(d).toSeconds();
    }

    private static Duration roundUp(Duration d) {
        long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
        return Duration.ofSeconds(Math.max(1, s));
    }

    private static char[] randomPassword() {
        var random = new SecureRandom();
        char[] p = new char[32];
        for (int i = 0; i < p.length; i++) {
            p[i] = (char) ('a' + random.nextInt(26));
        }
        return p;
    }

    /** Failure counts by name, bounded, least recently failed evicted first. */
    private static final class Failures {
        private final Limits limits;
        private final LinkedHashMap<String, Count> counts;

        Failures(Limits limits) {
            this.limits = limits;
            this.counts = new LinkedHashMap<>(16, 0.75f, /* accessOrder= */ false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Count> eldest) {
                    return size() > limits.maxKeys();
                }
            };
        }

        synchronized Optional<Duration> blocked(String name, Instant now) {
            Count c = current(name, now);
            return c == null || !now.isBefore(c.blockedUntil) ? Optional.empty() : Optional.of(Duration.between(now, c.blockedUntil));
        }

        synchronized void fail(String name, Instant now) {
            Count c = current(name, now);
            int failures = c == null ? 1 : c.failures + 1;
            Instant until = now;
            if (failures > limits.freeFailures()) {
                int doublings = Math.min(failures - limits.freeFailures() - 1, 30);
                Duration delay = limits.firstDelay().multipliedBy(1L << doublings);
                until = now.plus(delay.compareTo(limits.maxDelay()) > 0 ? limits.maxDelay() : delay);
            }
            counts.remove(name); // re-inserted last: insertion order is the order of last failure
            counts.put(name, new Count(failures, now, until));
        }

        synchronized void clear(String name) {
            counts.remove(name);
        }

        private Count current(String name, Instant now) {
            Count c = counts.get(name);
            if (c != null && !now.isBefore(c.lastFailure.plus(limits.forgetAfter())) && !now.isBefore(c.blockedUntil)) {
                counts.remove(name);
                return null;
            }
            return c;
        }

        synchronized int size() {
            return counts.size();
        }
    }

    private record Count(int failures, Instant lastFailure, Instant blockedUntil) {
    }

    /** Names with a failure count, users and origins (tests check the maps stay bounded). */
    int trackedUsers() {
        return users.size();
    }

    int trackedOrigins() {
        return origins.size();
    }
}
