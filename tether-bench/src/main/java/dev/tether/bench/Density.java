package dev.tether.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * {@code density}: start N idle sessions ({@code /bin/sh} waiting on input), P at a time, and
 * measure sessions started per second, the server's memory per session (its RSS growth over N;
 * the shells are other processes and not counted), the session keeper's (the same, of the keeper's
 * JVM, which holds the programs, masters and rings) and the server's threads.
 *
 * <p>Each trial starts from a fresh server with one session already running, the baseline. tmux:
 * {@code new-session -d}, the tmux server's RSS. dtach: {@code dtach -n}, one daemon per
 * session, the sum of their RSS (and, in the JSON, of their PSS, which shares libc's pages out).
 */
final class Density implements Scenario {
    private static final String SHELL = "/bin/sh";

    @Override
    public String name() {
        return "density";
    }

    @Override
    public String description() {
        return "N idle /bin/sh sessions: start rate, server memory per session, server threads";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        int parallel = bench.options.parallel();
        for (int n : bench.options.sessionsFor(name())) {
            // The server holds a PTY master and a pidfd per session; dtach adds a daemon and a shell per session.
            Limits.require("density with " + n + " sessions", n + 16, 2L * n + 512, 2L * n + 2048);
            String group = "N=" + n;
            Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of("tmux", "dtach", Report.TETHER),
                    (trial, subject) -> {
                        switch (subject) {
                            case Report.TETHER -> tether(bench, report, group, n, parallel);
                            case "tmux" -> tmux(bench, report, group, n, parallel);
                            default -> dtach(bench, report, group, n, parallel);
                        }
                    });
            goals(report, group);
        }
    }

    private static void tether(Bench bench, Report report, String group, int n, int parallel) throws Exception {
        TetherProcess server = bench.startTether("density");
        try {
            Rest rest = server.rest();
            rest.createSession(List.of(SHELL));
            Proc.sleep(500);
            long rss0 = server.rss();
            boolean kept = server.hasKeeper();
            long keeperRss0 = kept ? server.keeperRss() : 0;
            long threads0 = server.threads();
            long t0 = System.nanoTime();
            Scenario.parallel(n, parallel, 600, i -> rest.createSession(List.of(SHELL)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Proc.sleep(500);
            record(report, group, Report.TETHER, n, seconds, server.rss() - rss0, server.threads());
            if (kept) {
                report.add(group, "keeper memory per session (RSS)", "KiB", Report.Better.LOWER, Report.TETHER,
                        (server.keeperRss() - keeperRss0) / 1024.0 / n);
            }
            report.add(group, "server threads added", "threads", Report.Better.LOWER, Report.TETHER, server.threads() - threads0);
            int live = rest.get("/sessions").size();
            if (live != n + 1) {
                throw new BenchException("Tether lists " + live + " sessions, expected " + (n + 1));
            }
        } finally {
            bench.release(server);
        }
    }

    private static void tmux(Bench bench, Report report, String group, int n, int parallel) throws Exception {
        Tmux tmux = bench.track(new Tmux(bench));
        try {
            tmux.newSession("base", SHELL);
            long pid = tmux.serverPid();
            Proc.sleep(500);
            long rss0 = Proc.rss(pid);
            long threads0 = Proc.threads(pid);
            long t0 = System.nanoTime();
            Scenario.parallel(n, parallel, 600, i -> tmux.newSession("s" + i, SHELL));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Proc.sleep(500);
            record(report, group, "tmux", n, seconds, Proc.rss(pid) - rss0, Proc.threads(pid));
            report.add(group, "server threads added", "threads", Report.Better.LOWER, "tmux", Proc.threads(pid) - threads0);
        } finally {
            bench.release(tmux);
        }
    }

    private static void dtach(Bench bench, Report report, String group, int n, int parallel) throws Exception {
        Dtach dtach = bench.track(new Dtach(bench));
        try {
            var sockets = new ConcurrentLinkedQueue<Path>();
            long t0 = System.nanoTime();
            Scenario.parallel(n, parallel, 600, i -> sockets.add(dtach.newSession(List.of(SHELL))));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Proc.sleep(500);
            List<Long> daemons = dtach.daemons();
            if (daemons.size() != n) {
                throw new BenchException("found " + daemons.size() + " dtach daemons, expected " + n);
            }
            long rss = daemons.stream().mapToLong(Proc::rss).sum();
            long pss = daemons.stream().mapToLong(Proc::pss).sum();
            long threads = daemons.stream().mapToLong(Proc::threads).sum();
            record(report, group, "dtach", n, seconds, rss, threads);
            report.add(group, "memory per session (PSS)", "KiB", Report.Better.LOWER, "dtach", pss / 1024.0 / n);
        } finally {
            bench.release(dtach);
        }
    }

    private static void record(Report report, String group, String subject, int n, double seconds, long rssGrowth, long threads) {
        report.add(group, "start rate", "sessions/s", Report.Better.HIGHER, subject, n / seconds);
        report.add(group, "memory per session (RSS)", "KiB", Report.Better.LOWER, subject, rssGrowth / 1024.0 / n);
        report.add(group, "server threads", "threads", Report.Better.LOWER, subject, threads);
    }

    private static void goals(Report report, String group) {
        var rate = report.ratios(group, "start rate", "tmux");
        if (!rate.isEmpty()) {
            double r = Stats.median(rate);
            report.goal(group + ": start rate ≥ tmux", r >= 1, "Tether/tmux = " + Report.fmt(r) + "×");
            double m = Stats.median(report.ratios(group, "memory per session (RSS)", "tmux"));
            report.goal(group + ": memory per session ≤ tmux's", m <= 1, "Tether/tmux = " + Report.fmt(m) + "× ("
                    + Report.fmt(report.median(group, "memory per session (RSS)", Report.TETHER)) + " vs "
                    + Report.fmt(report.median(group, "memory per session (RSS)", "tmux")) + " KiB)");
        } else {
            report.goal(group + ": start rate ≥ tmux, memory per session ≤ tmux's", null, "tmux was not measured");
        }
        double added = Stats.max(report.values(group, "server threads added", Report.TETHER));
        report.goal(group + ": threads flat in N", added <= 4,
                "the server had " + Report.fmt(added) + " more threads (at most) after starting the sessions");
    }
}
