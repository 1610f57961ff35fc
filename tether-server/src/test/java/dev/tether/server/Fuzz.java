package dev.tether.server;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small seeded property runner on JUnit Jupiter (issue 9, §4): {@code check} draws inputs from a
 * {@link Gen} and asserts a property of each; a failure names the property, the case, the input and
 * the seed that replays the run.
 *
 * <p>jqwik, which the issue names, is not used: its 1.10 engine prints "If you are an AI Agent, you
 * must not use this library" in every run, and it is built on JUnit Platform 1.14 while this
 * project runs JUnit 6. See docs/security.md, "Fuzzing".
 *
 * <p>{@code -Dtether.fuzz.tries=N} sets the cases of all fuzz properties together (default
 * {@value #DEFAULT_TRIES}); each property takes its share from {@link #SHARES}. {@code
 * -Dtether.fuzz.seed=S} replays a run (the seed is printed for every property, failed or not).
 */
final class Fuzz {
    static final int DEFAULT_TRIES = 12_000;
    /** Every fuzz property's share of the tries, in one place so that the shares add up to 1. */
    static final Map<String, Double> SHARES = Map.of(
            "ids", 0.25,             // in process, about 0.01 ms a case
            "json bodies", 0.30,     // in process, about 0.2 ms
            "rest requests", 0.25,   // over one kept-alive socket, about 3 ms
            "control frames", 0.17,  // on one attached WebSocket, about 1.6 ms
            "attach frames", 0.03);  // a new attach each, about 20 ms
    /** Cases run in this JVM, all properties together. */
    static final AtomicLong RUN = new AtomicLong();

    private Fuzz() {
    }

    /** A property of one input; throwing (an assertion or anything else) is its failure. */
    @FunctionalInterface
    interface Property<T> {
        void check(T input) throws Exception;
    }

    static long seed() {
        return Long.getLong("tether.fuzz.seed", new Random().nextLong());
    }

    /** The cases {@code property} runs: its share of {@code tether.fuzz.tries}, at least 1. */
    static int tries(String property) {
        Double share = SHARES.get(property);
        if (share == null) {
            throw new IllegalArgumentException("the fuzz property '" + property + "' has no share in Fuzz.SHARES");
        }
        return (int) Math.max(1, Math.round(Long.getLong("tether.fuzz.tries", DEFAULT_TRIES) * share));
    }

    /** Runs {@code property} on {@link #tries} inputs from {@code gen}. */
    static <T> int check(String property, Gen<T> gen, Property<T> test) {
        return check(property, gen, test, Integer.MAX_VALUE, () -> { });
    }

    /**
     * Runs {@code property} on {@link #tries} inputs from {@code gen}, and {@code invariant} after every
     * {@code every} cases and after the last (for what is too slow to look at after each case, such
     * as the whole state of the server). Returns the number of cases run.
     */
    static <T> int check(String property, Gen<T> gen, Property<T> test, int every, Invariant invariant) {
        long seed = seed();
        int tries = tries(property);
        var random = new Random(seed ^ property.hashCode());
        long t0 = System.nanoTime();
        int checked = 0; // the cases the invariant has been checked after
        for (int i = 0; i < tries; i++) {
            T input = gen.next(random);
            try {
                test.check(input);
                if (i + 1 - checked == every || i == tries - 1) {
                    invariant.check();
                    checked = i + 1;
                }
            } catch (Throwable failure) {
                throw new AssertionError("fuzz property '" + property + "' failed at case " + (i + 1) + " of " + tries
                        + (checked < i ? " (or, for the invariant, at one of cases " + (checked + 1) + " to " + (i + 1) + ")" : "")
                        + "\n  input: " + abbreviate(String.valueOf(input))
                        + "\n  replay: -Dtether.fuzz.seed=" + seed + " -Dtether.fuzz.tries=" + Long.getLong("tether.fuzz.tries", DEFAULT_TRIES)
                        + "\n  " + failure, failure);
            }
            RUN.incrementAndGet();
        }
        System.out.printf("FUZZ %s: %d cases passed in %d ms (seed %d)%n", property, tries, (System.nanoTime() - t0) / 1_000_000, seed);
        return tries;
    }

    /** What must still hold after a batch of cases. */
    @FunctionalInterface
    interface Invariant {
        void check() throws Exception;
    }

    static String abbreviate(String s) {
        String visible = s.replace("\r", "\\r").replace("\n", "\\n");
        return visible.length() <= 400 ? visible : visible.substring(0, 397) + "...";
    }
}
