package dev.tether.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code throughput}: one session writes M MiB ({@code head -c | tr}) while one client is
 * attached; MB/s as the client receives it, from the program's first byte to its last.
 *
 * <p>Every subject runs the same script: it waits for a line (typed once the client is attached),
 * prints {@link MarkedStream#MARKER}, then the payload. Peers: the raw PTY read by the bench
 * itself; the same command under {@code script -qfc … /dev/null > /dev/null} (timed whole, as the
 * issue defines the kernel's limit); and dtach with one attached client.
 */
final class Throughput implements Scenario {
    static final String RAW_SCRIPT = "raw-pty (script)";
    static final String RAW = "raw-pty";

    @Override
    public String name() {
        return "throughput";
    }

    @Override
    public String description() {
        return "one session writes M MiB, one attached client receives it: MB/s";
    }

    static String program(long bytes) {
        return "read x; printf " + MarkedStream.MARKER + "; head -c " + bytes + " /dev/zero | tr '\\000' x";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        long bytes = bench.options.mibFor(name()) * 1024L * 1024L;
        String group = bench.options.mibFor(name()) + " MiB";
        var server = bench.startTether(name());
        try (var clients = new Clients(1)) {
            Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of(RAW_SCRIPT, RAW, "dtach", Report.TETHER),
                    (trial, subject) -> {
                        var stream = new MarkedStream(bytes);
                        double cpu0 = server.cpuSeconds();
                        double seconds = switch (subject) {
                            case Report.TETHER -> tether(server, clients, stream);
                            case RAW -> raw(stream);
                            case RAW_SCRIPT -> script(bench, bytes);
                            default -> dtach(bench, bytes);
                        };
                        report.add(group, "throughput", "MB/s", Report.Better.HIGHER, subject, bytes / seconds / 1e6);
                        if (subject.equals(Report.TETHER)) {
                            report.add(group, "server CPU per MB", "ms", Report.Better.LOWER, subject,
                                    (server.cpuSeconds() - cpu0) * 1e3 / (bytes / 1e6));
                        }
                        if (stream.chunks() > 0) {
                            report.add(group, "bytes per message or read", "bytes", Report.Better.NONE, subject,
                                    (double) stream.received() / stream.chunks());
                        }
                    });
        } finally {
            bench.release(server);
        }
        double raw = Stats.median(report.ratios(group, "throughput", RAW_SCRIPT));
        report.goal("throughput ≥ 0.8 × raw PTY", report.skipped(RAW_SCRIPT) ? null : raw >= 0.8,
                "Tether/raw PTY (script) = " + Report.fmt(raw) + "×; Tether/raw PTY (read by the bench) = "
                        + Report.fmt(Stats.median(report.ratios(group, "throughput", RAW))) + "×");
        double dtach = Stats.median(report.ratios(group, "throughput", "dtach"));
        report.goal("throughput ≥ dtach", report.skipped("dtach") ? null : dtach >= 1, "Tether/dtach = " + Report.fmt(dtach) + "×");
    }

    static double tether(TetherProcess server, Clients clients, MarkedStream stream) throws Exception {
        long bytes = stream.expected();
        long id = server.rest().createSession(List.of("/bin/sh", "-c", program(bytes)));
        var a = clients.attach(server, id, stream::accept).get(60, TimeUnit.SECONDS);
        a.attached.get(60, TimeUnit.SECONDS);
        a.send(io.vertx.core.buffer.Buffer.buffer("go\r"));
        long nanos = stream.done.get(timeout(bytes), TimeUnit.SECONDS);
        a.closed.get(60, TimeUnit.SECONDS); // the program exits and the session ends
        return nanos / 1e9;
    }

    static double raw(MarkedStream stream) throws Exception {
        long bytes = stream.expected();
        try (var child = PtyChild.start(program(bytes))) {
            child.pty.pump(stream::accept);
            child.type("go\r");
            return stream.done.get(timeout(bytes), TimeUnit.SECONDS) / 1e9;
        }
    }

    /** The definition of the kernel's limit: the whole command timed, its output to /dev/null. */
    static double script(Bench bench, long bytes) throws Exception {
        String cmd = "sh -c \"head -c " + bytes + " /dev/zero | tr '\\\\000' x\"";
        var pb = new ProcessBuilder(bench.peers.script().toString(), "-qfc", cmd, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(timeout(bytes), TimeUnit.SECONDS)) {
            PtyChild.stop(p);
            throw new BenchException("script did not finish in " + timeout(bytes) + " s");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (p.exitValue() != 0) {
            throw new BenchException("script -qfc failed (exit " + p.exitValue() + ")");
        }
        return seconds;
    }

    /**
     * dtach drops output its client does not take at once, and now and then a loaded box makes it
     * drop some: such a trial measures nothing, so it is run again (three tries in all).
     */
    static double dtach(Bench bench, long bytes) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return dtach(bench, new MarkedStream(bytes));
            } catch (DtachDropped e) {
                if (attempt == 3) {
                    throw e;
                }
                bench.progress(e.getMessage() + "; trying again");
            }
        }
    }

    private static final class DtachDropped extends BenchException {
        DtachDropped(String message) {
            super(message);
        }
    }

    private static double dtach(Bench bench, MarkedStream stream) throws Exception {
        long bytes = stream.expected();
        try (var dtach = new Dtach(bench); var pty = Pty.open(80, 24)) {
            Path socket = dtach.newSession(List.of("/bin/sh", "-c", program(bytes)));
            var attachedSignal = new java.util.concurrent.CompletableFuture<Void>();
            Process client = dtach.attach(socket, pty);
            try {
                PtyChild.pump(client.getInputStream(), (seg, n) -> {
                    attachedSignal.complete(null); // dtach clears the screen once attached
                    stream.accept(seg, n);
                }, stream::end);
                attachedSignal.get(30, TimeUnit.SECONDS);
                PtyChild.type(pty, "go\r");
                java.util.concurrent.CompletableFuture.anyOf(stream.done, stream.ended).get(timeout(bytes), TimeUnit.SECONDS);
                if (!stream.done.isDone()) {
                    throw new DtachDropped("the dtach client received " + stream.received() + " of " + bytes
                            + " bytes: dtach drops output a client does not take at once");
                }
                return stream.done.get() / 1e9;
            } finally {
                PtyChild.stop(client);
            }
        }
    }

    private static long timeout(long bytes) {
        return 60 + bytes / 1_000_000;
    }
}
