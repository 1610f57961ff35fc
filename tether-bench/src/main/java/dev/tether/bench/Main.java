package dev.tether.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tether-bench SCENARIO|all [options]}: runs the scenarios, prints a table for each, and
 * writes {@code <out>/<scenario>.json} with every figure, the machine, the versions and the options.
 * Exit code 0 when every scenario ran (met goals or not), 1 when one failed, 2 for bad usage.
 */
public final class Main {
    private static final AtomicReference<Bench> CURRENT = new AtomicReference<>();

    private Main() {
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Bench b = CURRENT.getAndSet(null);
            if (b != null) {
                System.err.println("tether-bench: stopping everything it started...");
                b.close();
            }
        }, "tether-bench-cleanup"));
        Options options;
        try {
            options = Options.parse(args);
        } catch (BenchException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code = 0;
        try {
            if (options.installPeers()) {
                Peers.install();
            }
            Peers peers = Peers.detect(options.peers());
            for (String name : options.scenarios()) {
                Report r = run(options, peers, name, System.out, System.err);
                if (r.error() != null) {
                    code = 1;
                }
            }
        } catch (BenchException e) {
            System.err.println("tether-bench: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    /** Runs one scenario, prints its table on {@code out} and writes its JSON; never throws for a failed scenario. */
    static Report run(Options options, Peers peers, String name, PrintStream out, PrintStream log) {
        Scenario scenario = Scenario.named(name);
        var report = new Report(name, scenario.description());
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        log.println("tether-bench " + name + ": " + Machine.summary());
        var bench = new Bench(options, peers, log);
        CURRENT.set(bench);
        try {
            scenario.run(bench, report);
        } catch (Exception | AssertionError e) {
            report.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            if (System.getenv("TETHER_BENCH_DEBUG") != null) {
                e.printStackTrace(log);
            }
        } finally {
            CURRENT.compareAndSet(bench, null);
            bench.close();
        }
        var json = new LinkedHashMap<String, Object>();
        json.put("scenario", name);
        json.put("startedAt", started.toString());
        json.put("seconds", (System.nanoTime() - t0) / 1e9);
        json.put("machine", Machine.describe());
        json.put("versions", versions(peers));
        json.put("options", options.asMap(name));
        json.putAll(report.json());
        Path file = options.out().resolve(name + ".json");
        try {
            Files.createDirectories(options.out());
            Rest.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
            Files.writeString(options.out().resolve(name + ".md"), report.markdown());
        } catch (IOException e) {
            report.failed("cannot write " + file + ": " + e.getMessage());
        }
        out.println();
        out.print(report.table());
        out.println("(" + file + ")");
        out.flush();
        return report;
    }

    private static Map<String, Object> versions(Peers peers) {
        var m = new LinkedHashMap<String, Object>();
        m.put("tether", dev.tether.server.TetherServer.version());
        // The commit the sources were at (the server is built from the working tree, which may differ).
        try {
            Proc.Result head = Proc.run(List.of("git", "rev-parse", "--short", "HEAD"), java.time.Duration.ofSeconds(10));
            Proc.Result dirty = Proc.run(List.of("git", "status", "--porcelain", "--untracked-files=no"), java.time.Duration.ofSeconds(10));
            m.put("commit", head.exitCode() != 0 ? null
                    : head.output().strip() + (dirty.output().isBlank() ? "" : " (with local changes)"));
        } catch (BenchException e) {
            m.put("commit", null); // not a git checkout, or no git
        }
        m.put("java", Runtime.version().toString());
        m.putAll(peers.versions());
        return m;
    }

    /** For tests: the scenarios of {@code options}, each run as {@link #run} does. */
    static List<Report> runAll(Options options, Peers peers, PrintStream out, PrintStream log) {
        var reports = new ArrayList<Report>();
        for (String name : options.scenarios()) {
            reports.add(run(options, peers, name, out, log));
        }
        return reports;
    }
}
