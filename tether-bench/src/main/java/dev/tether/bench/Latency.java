package dev.tether.bench;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code latency}: keystroke to echo through an attached client. The client sends one byte and
 * waits for {@code cat}'s echo of it (the terminal in raw mode, no local echo), then sends the
 * next; R round trips after R/10 to warm up. p50, p99 and max.
 *
 * <p>Peers: the same loop on a bare PTY (the bench writes the master and reads it back), and
 * through dtach (the bench types on the dtach client's terminal and reads its output from a pipe).
 * Tether's loop runs on the client's event loop, so no thread hand-off is timed.
 */
final class Latency implements Scenario {
    static final String PROGRAM = "read x; stty raw -echo; printf " + MarkedStream.MARKER + "; exec cat";

    @Override
    public String name() {
        return "latency";
    }

    @Override
    public String description() {
        return "keystroke-to-echo round trip through an attached client (cat in raw mode)";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        int rounds = bench.options.roundTrips();
        int warmup = Math.max(10, rounds / 10);
        String group = rounds + " round trips";
        var server = bench.startTether(name());
        try (var clients = new Clients(1)) {
            Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of(Throughput.RAW, "dtach", Report.TETHER),
                    (trial, subject) -> {
                        long[] samples = switch (subject) {
                            case Report.TETHER -> tether(server, clients, warmup, rounds, report, group);
                            case Throughput.RAW -> raw(warmup, rounds);
                            default -> dtach(bench, warmup, rounds);
                        };
                        long[] s = Stats.sorted(samples);
                        report.add(group, "p50", "µs", Report.Better.LOWER, subject, Stats.percentile(s, 50) / 1e3);
                        report.add(group, "p99", "µs", Report.Better.LOWER, subject, Stats.percentile(s, 99) / 1e3);
                        report.add(group, "max", "µs", Report.Better.LOWER, subject, s[s.length - 1] / 1e3);
                    });
        } finally {
            bench.release(server);
        }
        List<Double> tether = report.values(group, "p99", Report.TETHER);
        List<Double> raw = report.values(group, "p99", Throughput.RAW);
        for (int i = 0; i < Math.min(tether.size(), raw.size()); i++) {
            report.add(group, "p99 over raw PTY", "µs", Report.Better.LOWER, Report.TETHER, tether.get(i) - raw.get(i));
        }
        List<Double> dtach = report.values(group, "p99", "dtach");
        for (int i = 0; i < Math.min(dtach.size(), raw.size()); i++) {
            report.add(group, "p99 over raw PTY", "µs", Report.Better.LOWER, "dtach", dtach.get(i) - raw.get(i));
        }
        double over = report.median(group, "p99 over raw PTY", Report.TETHER);
        report.goal("p99 overhead over raw PTY ≤ 200 µs", raw.isEmpty() ? null : over <= 200,
                "Tether p99 " + Report.fmt(report.median(group, "p99", Report.TETHER)) + " µs, raw PTY p99 "
                        + Report.fmt(report.median(group, "p99", Throughput.RAW)) + " µs: " + Report.fmt(over) + " µs over");
    }

    /** Also adds the server's CPU time per measured round trip (after the warm-up: no JIT in it). */
    static long[] tether(TetherProcess server, Clients clients, int warmup, int rounds, Report report, String group) throws Exception {
        long id = server.rest().createSession(List.of("/bin/sh", "-c", PROGRAM));
        var loop = new EchoLoop(warmup, rounds, server);
        var a = clients.attach(server, id, loop::output).get(60, TimeUnit.SECONDS);
        loop.attachment = a;
        a.attached.get(60, TimeUnit.SECONDS);
        a.send(Buffer.buffer("go\r"));
        long[] samples = loop.done.get(120 + rounds / 100, TimeUnit.SECONDS);
        double cpu = server.cpuSeconds() - loop.cpuAtWarm;
        report.add(group, "server CPU per round trip", "µs", Report.Better.LOWER, Report.TETHER, cpu * 1e6 / rounds);
        server.rest().post("/sessions/" + id + "/close?wait=true", java.util.Map.of());
        return samples;
    }

    /** Runs on the client's event loop: on the marker, and on every echo, sends the next byte. */
    private static final class EchoLoop {
        private static final Buffer KEY = Buffer.buffer("a");
        final CompletableFuture<long[]> done = new CompletableFuture<>();
        private final MarkedStream marker = new MarkedStream(Long.MAX_VALUE);
        private final int warmup;
        private final long[] samples;
        private int round = -1;
        private long sentAt;
        volatile Clients.Attachment attachment;

        private final TetherProcess server;
        volatile double cpuAtWarm;

        EchoLoop(int warmup, int rounds, TetherProcess server) {
            this.warmup = warmup;
            this.samples = new long[rounds];
            this.server = server;
        }

        void output(Buffer b) {
            if (round < 0) {
                marker.accept(b);
                if (marker.ready.isDone()) {
                    round = 0;
                    send();
                }
                return;
            }
            long now = System.nanoTime();
            for (int i = 0; i < b.length() && !done.isDone(); i++) {
                if (round >= warmup) {
                    samples[round - warmup] = now - sentAt;
                }
                round++;
                if (round == warmup) {
                    cpuAtWarm = server.cpuSeconds(); // one read of /proc, before the first measured round
                }
                if (round - warmup >= samples.length) {
                    done.complete(samples);
                } else if (i == b.length() - 1) {
                    send();
                }
            }
        }

        private void send() {
            sentAt = System.nanoTime();
            attachment.send(KEY);
        }
    }

    static long[] raw(int warmup, int rounds) throws Exception {
        try (var child = PtyChild.start(PROGRAM); Arena arena = Arena.ofConfined()) {
            child.type("go\r");
            MemorySegment buf = arena.allocate(4096);
            MemorySegment errno = Pty.newErrno(arena);
            MemorySegment pollfd = Pty.newPollFd(arena);
            var marker = new MarkedStream(Long.MAX_VALUE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!marker.ready.isDone()) {
                int n = child.pty.read(buf, errno, pollfd, 100);
                if (n < 0 || System.nanoTime() > deadline) {
                    throw new BenchException("the raw PTY's program did not start");
                }
                marker.accept(buf, n);
            }
            MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'a');
            long[] samples = new long[rounds];
            for (int r = 0; r < warmup + rounds; r++) {
                long t0 = System.nanoTime();
                child.pty.write(key, errno);
                int n;
                while ((n = child.pty.read(buf, errno, pollfd, 10_000)) == 0) {
                    // poll timed out: go on waiting (bounded by the 10 s poll and the echo always coming)
                }
                if (n < 0) {
                    throw new BenchException("the raw PTY hung up");
                }
                if (r >= warmup) {
                    samples[r - warmup] = System.nanoTime() - t0;
                }
            }
            return samples;
        }
    }

    static long[] dtach(Bench bench, int warmup, int rounds) throws Exception {
        try (var dtach = new Dtach(bench); var pty = Pty.open(80, 24); Arena arena = Arena.ofConfined()) {
            Path socket = dtach.newSession(List.of("/bin/sh", "-c", PROGRAM));
            Process client = dtach.attach(socket, pty);
            // Reads below block; if dtach never answers, stopping the client ends them.
            CompletableFuture.runAsync(() -> PtyChild.stop(client), CompletableFuture.delayedExecutor(300, TimeUnit.SECONDS));
            try (InputStream out = client.getInputStream()) {
                byte[] buf = new byte[4096];
                int first = out.read(buf); // dtach clears the screen once attached
                if (first < 0) {
                    throw new BenchException("the dtach client ended at once");
                }
                PtyChild.type(pty, "go\r");
                var marker = new MarkedStream(Long.MAX_VALUE);
                while (!marker.ready.isDone()) {
                    int n = out.read(buf);
                    if (n < 0) {
                        throw new BenchException("the dtach client ended before its program started");
                    }
                    marker.accept(MemorySegment.ofArray(buf), n);
                }
                MemorySegment errno = Pty.newErrno(arena);
                MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'a');
                long[] samples = new long[rounds];
                for (int r = 0; r < warmup + rounds; r++) {
                    long t0 = System.nanoTime();
                    pty.write(key, errno);
                    if (out.read(buf, 0, 1) < 0) {
                        throw new BenchException("the dtach client ended");
                    }
                    if (r >= warmup) {
                        samples[r - warmup] = System.nanoTime() - t0;
                    }
                }
                return samples;
            } catch (IOException e) {
                throw new BenchException("the dtach client failed: " + e.getMessage(), e);
            } finally {
                PtyChild.stop(client);
            }
        }
    }
}
