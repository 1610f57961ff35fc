package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code restart}: N idle {@code /bin/sh} sessions in the session keeper, then {@code kill -9} of the
 * server and a new {@code tether serve} on the same data directory. Times from the kill: the new
 * server listening, all N sessions adopted (listed by the API as DISCONNECTED, the same ids), and
 * a sample of them reattached (a client attaches, types {@code echo}, and sees the shell's answer).
 * The new server's JVM start is part of the figure, as it is of a real restart. Tether only: tmux's
 * server dies with its sessions.
 */
final class Restart implements Scenario {
    /** Sessions of the sample that is reattached after the restart. */
    static final int SAMPLE = 10;
    private static final String SHELL = "/bin/sh";

    @Override
    public String name() {
        return "restart";
    }

    @Override
    public String description() {
        return "N idle sessions, kill -9 of the server, start it again: time until all N are adopted and a sample reattached";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        for (int n : bench.options.sessionsFor(name())) {
            // The keeper holds a master, a pidfd and a ring per session; the server the same three, and a socket per client.
            Limits.require("restart with " + n + " sessions", n + 16, 3L * n + 512, 3L * n + 2048);
            String group = "N=" + n;
            for (int t = 0; t < bench.options.trialsFor(name()); t++) {
                bench.progress("trial " + (t + 1) + "/" + bench.options.trialsFor(name()) + ": " + n + " sessions");
                trial(bench, report, group, n, t);
            }
            double ms = report.median(group, "sample reattached", Report.TETHER);
            report.goal(group + ": kill -9 to all adopted and reattachable < 2 s", n != 1000 ? null : ms < 2000,
                    Report.fmt(ms) + " ms (median)" + (n != 1000 ? "; the goal is stated for N=1000" : ""));
        }
    }

    private static void trial(Bench bench, Report report, String group, int n, int trial) throws Exception {
        TetherProcess first = bench.startTether("restart");
        Rest rest = first.rest();
        long keeper = first.keeperPid();
        long keeperRss0 = Proc.rss(keeper);
        var ids = Collections.synchronizedSet(new TreeSet<Long>());
        Scenario.parallel(n, bench.options.parallel(), 600, i -> ids.add(rest.createSession(List.of(SHELL))));
        report.add(group, "keeper memory per session (RSS)", "KiB", Report.Better.LOWER, Report.TETHER,
                (Proc.rss(keeper) - keeperRss0) / 1024.0 / n);

        long t0 = System.nanoTime();
        first.kill();
        long killed = System.nanoTime();
        TetherProcess next = bench.track(TetherProcess.start(bench, "restart-" + trial + "-again", first.dataDir()));
        bench.release(first);
        try {
            long listening = System.nanoTime();
            if (next.keeperPid() != keeper) {
                throw new BenchException("the restarted server uses keeper " + next.keeperPid() + ", not " + keeper);
            }
            long deadline = listening + TimeUnit.SECONDS.toNanos(120);
            Set<Long> adopted;
            while (!(adopted = disconnected(next.rest())).equals(ids)) {
                if (System.nanoTime() > deadline) {
                    throw new BenchException(adopted.size() + " of " + n + " sessions listed DISCONNECTED after 120 s");
                }
                Proc.sleep(5);
            }
            long allAdopted = System.nanoTime();
            var sample = new ArrayList<>(ids);
            Collections.shuffle(sample, new java.util.Random(trial));
            long reattached = reattach(next, sample.subList(0, Math.min(SAMPLE, n)));
            report.add(group, "server dead (SIGKILL reaped)", "ms", Report.Better.LOWER, Report.TETHER, (killed - t0) / 1e6);
            report.add(group, "new server listening", "ms", Report.Better.LOWER, Report.TETHER, (listening - t0) / 1e6);
            report.add(group, "all adopted (listed DISCONNECTED)", "ms", Report.Better.LOWER, Report.TETHER, (allAdopted - t0) / 1e6);
            report.add(group, "sample reattached", "ms", Report.Better.LOWER, Report.TETHER, (reattached - t0) / 1e6);
        } finally {
            bench.release(next); // SIGTERM, then 'keeper stop': every session closed
        }
    }

    /** The ids of the sessions the API lists as DISCONNECTED. */
    private static Set<Long> disconnected(Rest rest) {
        var out = new TreeSet<Long>();
        for (JsonNode s : rest.get("/sessions")) {
            if (s.path("state").asText().equals("DISCONNECTED")) {
                out.add(s.path("id").asLong());
            }
        }
        return out;
    }

    /**
     * Attaches a client to each of {@code ids} at once, types {@code echo tether-$((6*7))-ID} (the
     * echo of the typed line does not contain its answer) and returns {@link System#nanoTime} when
     * the last answer arrived.
     */
    private static long reattach(TetherProcess server, List<Long> ids) throws Exception {
        try (var clients = new Clients(1)) {
            var answers = new ArrayList<CompletableFuture<Long>>();
            for (long id : ids) {
                String expected = "tether-42-" + id;
                var seen = new StringBuilder();
                var answer = new CompletableFuture<Long>();
                answers.add(clients.attach(server, id, b -> {
                    seen.append(b.toString(StandardCharsets.ISO_8859_1)); // on the client's one event loop
                    if (seen.indexOf(expected) >= 0) {
                        answer.complete(System.nanoTime());
                    }
                }).thenCompose(a -> a.attached.thenApply(m -> a))
                        .thenCompose(a -> {
                            a.send(Buffer.buffer("echo tether-$((6*7))-" + id + "\r"));
                            return answer;
                        }));
            }
            long last = 0;
            for (var f : answers) {
                last = Math.max(last, f.get(60, TimeUnit.SECONDS));
            }
            return last;
        }
    }
}
