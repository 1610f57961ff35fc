package dev.tether.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code api}: with N sessions live, the latency of listing them ({@code GET /sessions}, the whole
 * answer received), and disconnect + reattach cycles per second on single sessions, with the store
 * durable (SQLite in WAL mode, as shipped). One cycle: attach a WebSocket and wait for
 * {@code attached}, {@code POST /sessions/{id}/disconnect?wait=true}, wait for the socket to close.
 * Cycles run one at a time on one session, and {@value #PARALLEL} at a time on as many sessions.
 * No peer has an API to compare with.
 */
final class ApiScenario implements Scenario {
    static final int PARALLEL = 8;

    @Override
    public String name() {
        return "api";
    }

    @Override
    public String description() {
        return "with N sessions: GET /sessions latency; disconnect + reattach cycles per second (SQLite WAL)";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        int lists = bench.options.lists();
        int cycles = bench.options.cycles();
        for (int n : bench.options.sessionsFor(name())) {
            Limits.require("api with " + n + " sessions", n + PARALLEL + 16, 2L * n + 512, 2L * n + 2048);
            String group = "N=" + n;
            var server = bench.startTether(name());
            try (var clients = new Clients(1)) {
                Rest rest = server.rest();
                var cycled = Collections.synchronizedList(new ArrayList<Long>());
                Scenario.parallel(PARALLEL, PARALLEL, 60, i -> cycled.add(rest.createSession(List.of("/bin/sh"))));
                Scenario.parallel(n - PARALLEL, 8, 600, i -> rest.createSession(List.of("/bin/sh")));
                for (int i = 0; i < Math.max(5, lists / 10); i++) {
                    rest.getBytes("/sessions");
                    cycle(server, clients, cycled.getFirst());
                }
                Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of(Report.TETHER), (trial, subject) -> {
                    long[] list = new long[lists];
                    for (int i = 0; i < lists; i++) {
                        long t0 = System.nanoTime();
                        rest.getBytes("/sessions");
                        list[i] = System.nanoTime() - t0;
                    }
                    long[] sorted = Stats.sorted(list);
                    report.add(group, "list p50", "ms", Report.Better.LOWER, subject, Stats.percentile(sorted, 50) / 1e6);
                    report.add(group, "list p99", "ms", Report.Better.LOWER, subject, Stats.percentile(sorted, 99) / 1e6);

                    long[][] parts = new long[4][cycles];
                    double cpu0 = server.cpuSeconds();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < cycles; i++) {
                        long[] p = cycle(server, clients, cycled.getFirst());
                        for (int j = 0; j < 4; j++) {
                            parts[j][i] = p[j];
                        }
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    report.add(group, "server CPU per cycle", "ms", Report.Better.LOWER, subject,
                            (server.cpuSeconds() - cpu0) * 1e3 / cycles);
                    long[] cs = Stats.sorted(parts[3]);
                    report.add(group, "cycles, one at a time", "cycles/s", Report.Better.HIGHER, subject, cycles / seconds);
                    report.add(group, "cycle p50", "ms", Report.Better.LOWER, subject, Stats.percentile(cs, 50) / 1e6);
                    report.add(group, "cycle p99", "ms", Report.Better.LOWER, subject, Stats.percentile(cs, 99) / 1e6);
                    String[] names = {"cycle: attach to attached p50", "cycle: disconnect?wait=true p50", "cycle: then socket closed p50"};
                    for (int j = 0; j < 3; j++) {
                        report.add(group, names[j], "ms", Report.Better.LOWER, subject, Stats.percentile(Stats.sorted(parts[j]), 50) / 1e6);
                    }

                    int per = Math.max(1, cycles / PARALLEL);
                    long p0 = System.nanoTime();
                    Scenario.parallel(PARALLEL, PARALLEL, 600, w -> {
                        for (int i = 0; i < per; i++) {
                            cycle(server, clients, cycled.get(w));
                        }
                    });
                    double pSeconds = (System.nanoTime() - p0) / 1e9;
                    report.add(group, "cycles, " + PARALLEL + " at a time", "cycles/s", Report.Better.HIGHER, subject,
                            per * PARALLEL / pSeconds);
                });
            } finally {
                bench.release(server);
            }
            double p99 = report.median(group, "list p99", Report.TETHER);
            report.goal(group + ": list p99 < 20 ms", p99 < 20, Report.fmt(p99) + " ms");
            double one = report.median(group, "cycles, one at a time", Report.TETHER);
            double par = report.median(group, "cycles, " + PARALLEL + " at a time", Report.TETHER);
            report.goal(group + ": ≥ 2,000 disconnect cycles/s", Math.max(one, par) >= 2000,
                    Report.fmt(one) + " cycles/s one at a time, " + Report.fmt(par) + " with " + PARALLEL + " at a time");
        }
    }

    /**
     * Attach, wait until attached, disconnect the session (waiting for the request), wait for the
     * socket to close. Returns the nanoseconds of each of the three steps and of the whole.
     */
    private static long[] cycle(TetherProcess server, Clients clients, long sessionId) throws Exception {
        long t0 = System.nanoTime();
        var a = step("open the WebSocket to session " + sessionId, clients.attach(server, sessionId, b -> { }));
        step("receive 'attached' from session " + sessionId + " (connection " + a.connectionId + ")", a.attached);
        long t1 = System.nanoTime();
        server.rest().post("/sessions/" + sessionId + "/disconnect?wait=true", Map.of());
        long t2 = System.nanoTime();
        long closed = step("see the socket of connection " + a.connectionId + " closed after its disconnect", a.closed);
        long t3 = Math.max(t2, closed);
        return new long[] {t1 - t0, t2 - t1, t3 - t2, System.nanoTime() - t0};
    }

    private static <T> T step(String what, java.util.concurrent.CompletableFuture<T> future) throws Exception {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BenchException("a cycle did not " + what + " in 30 s", e);
        }
    }
}
