package dev.tether.core.account;



import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §4, "Log-on flood": 300 wrong passwords were hashed at 7.5/s with no limit, a correct
 * log-on waited 11 s behind 150 queued attempts, and memory grew with the queue. The password
 * gate bounds the work, gives each origin few slots, and delays failures, on the injected clock.
 */
class PasswordChecksTest {
    static final String HASH = "plain:right";
    final MutableClock clock = new MutableClock();
    final HeldThreads threads = new HeldThreads();
    /** The defaults, with a gate of 4 to keep the full-gate case short. */
    final PasswordChecks checks = new PasswordChecks(new PlainHasher(), threads, clock,
            new PasswordChecks.Limits(4, 2, 5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 10_000));

    static final class MutableClock implements InstantSource {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** Hashing threads that run nothing until told: tasks wait as they would behind slow hashes. */
    static final class HeldThreads implements Executor {
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        boolean hold;

        @Override
        public void execute(Runnable task) {
            if (hold) {
                waiting.add(task);
            } else {
                task.run();
            }
        }

        void release() {
            hold = false;
            while (!waiting.isEmpty()) {
                waiting.poll().run();
            }
        }
    }

    /**
     * Reproduction: the server's main thread built the checks and so made the dummy hash itself; as
     * Argon2id keeps its 19 MiB block memory per thread, the main thread held that memory for the
     * server's life, beside the two hashing threads' own.
     */
    @Test
    void theDummyHashIsMadeOnTheHashingThreads_notOnTheThreadThatBuildsTheChecks() {
        var hashedOn = new java.util.concurrent.CopyOnWriteArrayList<String>();
        PasswordHasher recording = new PasswordHasher() {
            @Override public String hash(char[] password) {
                hashedOn.add(Thread.currentThread().getName());
                return "plain:" + new String(password);
            }

            @Override public boolean verify(char[] password, String hash) { return hash.equals("plain:" + new String(password)); }
        };
        try (var hashing = java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofPlatform().name("hashing").factory())) {
            new PasswordChecks(recording, hashing, clock, PasswordChecks.Limits.DEFAULTS);
        }
        assertThat(hashedOn).containsExactly("hashing");
    }

    CompletableFuture<Boolean> check(String user, String origin, String password) {
        return checks.verify(user, origin, password.toCharArray(), Optional.of(HASH));
    }

    static TetherException refusal(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        return (TetherException) f.handle((v, e) -> e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).join();
    }

    /**
     * Reproduction: 300 wrong passwords in a row were each hashed and answered 401, never slowed.
     * Now the first five failures are free and each further one blocks the user name for 1 s, then
     * 2 s, 4 s...; a check while blocked is RATE_LIMITED with the remaining time and costs no hash.
     */
    @Test
    void fiveFailuresAreFree_thenEachFurtherFailureDoublesTheDelay() {
        for (int i = 1; i <= 5; i++) {
            assertThat(check("alice", "origin " + i, "wrong").join()).as("free failure " + i).isFalse();
        }
        assertThat(check("alice", "origin 6", "wrong").join()).isFalse();
        TetherException blocked = refusal(check("alice", "origin y", "wrong"));
        assertThat(blocked.code()).isEqualTo(ResultCode.RATE_LIMITED);
        assertThat(blocked.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(blocked.getMessage()).isEqualTo("too many failed password checks for alice or from origin y; try again in 1 s");
        for (long delay : new long[] {2, 4, 8}) {
            clock.advance(Duration.ofSeconds(delay / 2).minusMillis(1));
            assertThat(refusal(check("alice", "origin y", "wrong")).retryAfter()).as("1 ms left, rounded up").contains(Duration.ofSeconds(1));
            clock.advance(Duration.ofMillis(1));
            assertThat(check("alice", "origin y", "wrong").join()).isFalse();
            assertThat(refusal(check("alice", "origin z", "wrong")).retryAfter()).contains(Duration.ofSeconds(delay));
        }
    }

    /** The right password does not get through a block (or the throttle would not slow guessing), and once in, clears the user's count. */
    @Test
    void aBlockedUserIsRefusedEvenWithTheRightPassword_andASuccessClearsTheUsersCount() {
        for (int i = 0; i < 6; i++) {
            check("bob", "origin " + i, "wrong").join();
        }
        assertThat(refusal(check("bob", "origin 9", "right")).code()).isEqualTo(ResultCode.RATE_LIMITED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(check("bob", "origin 9", "right").join()).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(check("bob", "origin 9", "wrong").join()).as("free again after a success").isFalse();
        }
    }

    /** An address that guessed wrong is throttled for every user name, also for names that do not exist. */
    @Test
    void anAddressIsThrottledAcrossUserNames_knownOrNot() {
        for (int i = 0; i < 6; i++) {
            assertThat(checks.verify("ghost" + i, "address 192.0.2.7", "wrong".toCharArray(), Optional.empty()).join()).isFalse();
        }
        assertThat(refusal(check("carol", "address 192.0.2.7", "right")).getMessage()).contains("from address 192.0.2.7");
        assertThat(check("carol", "address 192.0.2.8", "right").join()).as("another address").isTrue();
    }

    /**
     * Reproduction: a correct log-on waited 11 s behind 150 queued attempts. Now one origin has at
     * most 2 checks admitted and the gate at most 4 (2 hashing, 2 waiting); what does not fit is refused at once
     * (RATE_LIMITED, retry after 1 s), and another origin still gets a slot.
     */
    @Test
    void aFloodFromOneOriginHoldsTwoSlots_andAFullGateRefusesInsteadOfQueueing() {
        threads.hold = true;
        var first = check("dave", "address 198.51.100.1", "wrong");
        var second = check("dave", "address 198.51.100.1", "wrong");
        TetherException third = refusal(check("dave", "address 198.51.100.1", "wrong"));
        assertThat(third.code()).isEqualTo(ResultCode.RATE_LIMITED);
        assertThat(third.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(third.getMessage()).isEqualTo("2 password checks from address 198.51.100.1 are already under way; try again in 1 s");

        var correct = check("erin", "address 198.51.100.2", "right");
        var fourth = check("gina", "address 198.51.100.3", "wrong");
        TetherException full = refusal(check("frank", "address 198.51.100.99", "right"));
        assertThat(full.getMessage()).isEqualTo("the server is busy checking 4 passwords; try again in 1 s");
        assertThat(threads.waiting).as("the hashing queue never holds more than the gate admits").hasSize(4);

        threads.release();
        assertThat(first.join()).isFalse();
        assertThat(second.join()).isFalse();
        assertThat(correct.join()).isTrue();
        assertThat(fourth.join()).isFalse();
        assertThat(check("frank", "address 198.51.100.99", "right").join()).as("slots are given back").isTrue();
    }

    /** Memory stays flat under a flood of names: each map keeps at most maxKeys names and forgets quiet ones. */
    @Test
    void failureCountsAreBoundedAndForgotten() {
        var small = new PasswordChecks(new PlainHasher(), Runnable::run, clock,
                new PasswordChecks.Limits(8, 2, 5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 100));
        for (int i = 0; i < 1_000; i++) {
            small.verify("name" + i, "address " + i, "wrong".toCharArray(), Optional.of(HASH)).join();
        }
        assertThat(small.trackedUsers()).isEqualTo(100);
        assertThat(small.trackedOrigins()).isEqualTo(100);
        for (int i = 0; i < 6; i++) {
            small.verify("mallory", "address m", "wrong".toCharArray(), Optional.of(HASH)).join();
        }
        assertThat(small.verify("mallory", "address m", "right".toCharArray(), Optional.of(HASH))).isCompletedExceptionally();
        clock.advance(Duration.ofMinutes(15));
        for (int i = 1; i <= 5; i++) {
            assertThat(small.verify("mallory", "address m", "wrong".toCharArray(), Optional.of(HASH)).join())
                    .as("forgotten 15 min after the last failure: free failure " + i + " again").isFalse();
        }
    }
}
