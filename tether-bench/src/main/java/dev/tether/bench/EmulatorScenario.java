package dev.tether.bench;

import dev.tether.term.Emulator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code emulator}: the parse rate of tether-term's {@link Emulator} alone, in the bench's own JVM
 * (no server, no PTY), on five streams generated in memory ({@link TermStreams}): log-like,
 * full-screen, wrapping, {@code yes} and UTF-8, M MiB each. A trial feeds a whole stream to a
 * fresh 80x24 emulator with a session's scrollback budget, {@link #CHUNK} bytes a call, as the
 * screen model's worker feeds it from the ring; then times one {@code snapshot(1000)} (what an
 * attach sends) and one {@code copy()} (what a capture starts from), and reads
 * {@code retainedBytes()}. Every stream is fed once to a throwaway emulator first, to warm the JIT.
 *
 * <p>No peer parses a stream alone, so the figures are absolute. The one comparison is the raw
 * PTY's throughput (the throughput scenario's {@code script} peer) measured in the same run: the
 * screen model stops reading a PTY whose output outruns it, so a stream parsed slower than the PTY
 * delivers it bounds that session's throughput.
 */
final class EmulatorScenario implements Scenario {
    /** The bytes a feed call gets: what the screen model hands its worker is up to half a ring. */
    static final int CHUNK = 64 * 1024;
    /** A session's scrollback budget: its ring's size ({@code tether serve --ring-bytes}'s default). */
    static final int SCROLLBACK_BYTES = 256 * 1024;
    static final String RAW_GROUP = "raw PTY, for comparison";
    static final String RAW_METRIC = "throughput (head -c | tr under script)";

    @Override
    public String name() {
        return "emulator";
    }

    @Override
    public String description() {
        return "tether-term's Emulator fed M MiB of each stream in memory: MB/s, snapshot(1000), copy(), retained bytes";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        int mib = bench.options.mibFor(name());
        bench.progress("generating 5 streams of " + mib + " MiB");
        List<TermStreams.Stream> streams = TermStreams.all(mib * 1024 * 1024);
        for (TermStreams.Stream s : streams) {
            bench.progress("warming up: " + s.name() + ", " + s.what() + " (" + s.bytes().length + " bytes)");
            measure(s.bytes());
        }
        Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of(Throughput.RAW_SCRIPT, Report.TETHER),
                (trial, subject) -> {
                    if (subject.equals(Report.TETHER)) {
                        var order = new ArrayList<>(streams);
                        Collections.rotate(order, -trial);
                        for (TermStreams.Stream s : order) {
                            record(report, s, measure(s.bytes()));
                        }
                    } else {
                        long bytes = mib * 1024L * 1024L;
                        report.add(RAW_GROUP, RAW_METRIC, "MB/s", Report.Better.HIGHER,
                                subject, bytes / Throughput.script(bench, bytes) / 1e6);
                    }
                });
        goals(report, streams);
    }

    /** What one feed of a stream measured. */
    record Measured(double seconds, long snapshotNanos, int snapshotBytes, long copyNanos, long retained, int scrollback) {
    }

    static Measured measure(byte[] stream) {
        var e = new Emulator(TermStreams.COLS, TermStreams.ROWS, SCROLLBACK_BYTES);
        long t0 = System.nanoTime();
        for (int at = 0; at < stream.length; at += CHUNK) {
            e.feed(stream, at, Math.min(CHUNK, stream.length - at));
        }
        long t1 = System.nanoTime();
        byte[] snapshot = e.snapshot(1000);
        long t2 = System.nanoTime();
        Emulator copy = e.copy();
        long t3 = System.nanoTime();
        if (copy.cols() != e.cols()) {
            throw new BenchException("the copy of an 80x24 emulator is " + copy.cols() + " columns wide");
        }
        return new Measured((t1 - t0) / 1e9, t2 - t1, snapshot.length, t3 - t2, e.retainedBytes(), e.scrollbackLines());
    }

    private static void record(Report report, TermStreams.Stream s, Measured m) {
        String g = s.name();
        report.add(g, "parse rate", "MB/s", Report.Better.HIGHER, Report.TETHER, s.bytes().length / m.seconds() / 1e6);
        report.add(g, "snapshot(1000)", "µs", Report.Better.LOWER, Report.TETHER, m.snapshotNanos() / 1e3);
        report.add(g, "snapshot(1000) size", "KiB", Report.Better.NONE, Report.TETHER, m.snapshotBytes() / 1024.0);
        report.add(g, "copy()", "µs", Report.Better.LOWER, Report.TETHER, m.copyNanos() / 1e3);
        report.add(g, "retainedBytes() at the end", "KiB", Report.Better.LOWER, Report.TETHER, m.retained() / 1024.0);
    }

    /**
     * The one bound the emulator promises: memory past any amount of output stays within the
     * scrollback budget plus the two screens (12 bytes a cell, and room for a combining mark in each).
     */
    static long bound() {
        long screen = (long) TermStreams.ROWS * (16 + 4L * TermStreams.COLS + TermStreams.COLS * (12 + 48L));
        return SCROLLBACK_BYTES + 2 * screen;
    }

    private static void goals(Report report, List<TermStreams.Stream> streams) {
        double worst = 0;
        String which = "";
        for (TermStreams.Stream s : streams) {
            double kib = Stats.max(report.values(s.name(), "retainedBytes() at the end", Report.TETHER));
            if (kib > worst) {
                worst = kib;
                which = s.name();
            }
        }
        report.goal("memory bounded after any output: retainedBytes() ≤ scrollback budget + both screens",
                worst * 1024 <= bound(), "at most " + Report.fmt(worst) + " KiB (" + which + ") for a bound of "
                        + Report.fmt(bound() / 1024.0) + " KiB (" + SCROLLBACK_BYTES / 1024 + " KiB of scrollback)");
        double raw = report.median(RAW_GROUP, RAW_METRIC, Throughput.RAW_SCRIPT);
        if (Double.isNaN(raw)) {
            report.note("no parse-rate goal (issue 12 asks for the figures); the raw PTY was not measured, so there"
                    + " is nothing to compare them with here");
            return;
        }
        var parts = new ArrayList<String>();
        for (TermStreams.Stream s : streams) {
            parts.add(s.name() + " " + Report.fmt(report.median(s.name(), "parse rate", Report.TETHER) / raw) + "×");
        }
        report.note("no parse-rate goal (issue 12 asks for the figures). Parse rate ÷ the raw PTY's " + Report.fmt(raw)
                + " MB/s in this run: " + String.join(", ", parts) + ". The screen model stops reading a PTY whose"
                + " output outruns it by 8 MiB, so a stream below 1× bounds a session's throughput while it lasts.");
    }
}
