package dev.tether.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One benchmark: it measures Tether and its peers, interleaved, into a {@link Report}. */
interface Scenario {
    String name();

    /** One line: what is measured, for the table's heading. */
    String description();

    void run(Bench bench, Report report) throws Exception;

    static Scenario named(String name) {
        return switch (name) {
            case "density" -> new Density();
            case "throughput" -> new Throughput();
            case "latency" -> new Latency();
            case "fanout" -> new Fanout();
            case "mass-disconnect" -> new MassDisconnect();
            case "api" -> new ApiScenario();
            case "cli" -> new CliScenario();
            case "restart" -> new Restart();
            case "emulator" -> new EmulatorScenario();
            default -> throw new BenchException("unknown scenario " + name);
        };
    }

    /** A measurement of one subject in one trial. */
    @FunctionalInterface
    interface TrialBody {
        void run(int trial, String subject) throws Exception;
    }

    /**
     * Runs every subject once per trial, the order rotating from trial to trial, so that no
     * subject always goes first (or last) on a machine whose load drifts.
     */
    static void interleave(Bench bench, Report report, int trials, List<String> subjects, TrialBody body) throws Exception {
        var present = new ArrayList<String>();
        for (String s : subjects) {
            String missing = switch (s) {
                case "tmux", "dtach" -> bench.options.peers() ? bench.peers.missing(s) : "--no-peers";
                case CliScenario.JAVA, CliScenario.HELLO -> null; // the JVM's floor: part of Tether's figure, not a peer
                case "raw-pty (script)" -> bench.options.peers() ? bench.peers.missing("script") : "--no-peers";
                case Report.TETHER -> null;
                default -> bench.options.peers() ? null : "--no-peers";
            };
            if (missing == null) {
                present.add(s);
            } else {
                report.skip(s, missing);
            }
        }
        for (int t = 0; t < trials; t++) {
            var order = new ArrayList<>(present);
            Collections.rotate(order, -t);
            for (String s : order) {
                bench.progress("trial " + (t + 1) + "/" + trials + ": " + s);
                body.run(t, s);
            }
        }
    }

    /** Runs {@code task(0..n-1)} on {@code threads} threads; the first failure stops the rest and is thrown. */
    static void parallel(int n, int threads, long timeoutSeconds, IntTask task) throws Exception {
        var next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, n)),
                Thread.ofPlatform().daemon().name("bench-worker-", 1).factory());
        try {
            var futures = new ArrayList<Future<?>>();
            for (int w = 0; w < Math.max(1, Math.min(threads, n)); w++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            for (Future<?> f : futures) {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    next.set(n);
                    throw e.getCause() instanceof Exception x ? x : e;
                } catch (java.util.concurrent.TimeoutException e) {
                    next.set(n);
                    throw new BenchException(n + " tasks did not finish in " + timeoutSeconds + " s");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface IntTask {
        void run(int i) throws Exception;
    }
}
