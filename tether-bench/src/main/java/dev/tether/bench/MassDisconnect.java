package dev.tether.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code mass-disconnect}: N sessions, each with one attached client, then one call disconnects
 * them all ({@code POST /sessions/disconnect {"all":true}}, what {@code tether session disconnect
 * --all} sends). Times from the call: its answer, the last {@code DisconnectComplete} event on the
 * event stream, the {@code RequestCompleted} event, and the last client socket closed.
 *
 * <p>tmux: N sessions with one {@code tmux attach} client each, on terminals of the bench's, then
 * {@code detach-client -a} (all but one) chained with {@code detach-client} (that one): times to
 * the command's return and to the last client process's exit.
 */
final class MassDisconnect implements Scenario {
    @Override
    public String name() {
        return "mass-disconnect";
    }

    @Override
    public String description() {
        return "N sessions with one attached client each, then disconnect --all: time to the last DisconnectComplete and the last socket closed";
    }

    @Override
    @SuppressWarnings("try") // the event stream is read by its own thread while the body runs
    public void run(Bench bench, Report report) throws Exception {
        var server = bench.startTether(name());
        Map<Long, Queue<Long>> completes = new ConcurrentHashMap<>();
        Map<Long, Long> requestDone = new ConcurrentHashMap<>();
        try (var clients = new Clients(Math.max(1, Runtime.getRuntime().availableProcessors()));
             var events = Events.follow(server.rest(), 0, e -> {
                 switch (e.type()) {
                     case "DisconnectComplete" -> completes.computeIfAbsent(e.data().path("requestId").asLong(),
                             k -> new ConcurrentLinkedQueue<>()).add(e.receivedNanos());
                     case "RequestCompleted" -> requestDone.put(e.data().path("requestId").asLong(), e.receivedNanos());
                     default -> { }
                 }
             })) {
            for (int n : bench.options.sessionsFor(name())) {
                // The server: master, pidfd and socket per session; tmux: a terminal per client besides the session's,
                // and the bench holds both ends of each client's terminal; a process and a reaper thread per client.
                Limits.require("mass-disconnect with " + n + " sessions", 2L * n + 16, 3L * n + 512, 3L * n + 2048);
                String group = "N=" + n;
                Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of("tmux", Report.TETHER),
                        (trial, subject) -> {
                            if (subject.equals(Report.TETHER)) {
                                tether(bench, server, clients, completes, requestDone, report, group, n);
                            } else {
                                tmux(bench, report, group, n);
                            }
                        });
                double limit = n <= 1000 ? 250 : 2000;
                for (String metric : List.of("last DisconnectComplete", "last socket closed")) {
                    double ms = report.median(group, metric, Report.TETHER);
                    report.goal(group + ": " + metric + " < " + Report.fmt(limit) + " ms", ms < limit,
                            Report.fmt(ms) + " ms (median)");
                }
            }
        } finally {
            bench.release(server);
        }
    }

    private static void tether(Bench bench, TetherProcess server, Clients clients, Map<Long, Queue<Long>> completes,
                               Map<Long, Long> requestDone, Report report, String group, int n) throws Exception {
        Rest rest = server.rest();
        var ids = Collections.synchronizedList(new ArrayList<Long>());
        Scenario.parallel(n, 8, 600, i -> ids.add(rest.createSession(List.of("/bin/sh"))));
        List<Clients.Attachment> attachments = attachAll(server, clients, ids);
        Proc.sleep(200);
        long t0 = System.nanoTime();
        long requestId = rest.post("/sessions/disconnect", Map.of("all", true)).path("id").asLong();
        long answered = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        long lastClosed = t0;
        var closedAt = new ArrayList<Double>();
        for (var a : attachments) {
            long c = a.closed.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            closedAt.add((double) c);
            lastClosed = Math.max(lastClosed, c);
        }
        while (completes.getOrDefault(requestId, new ConcurrentLinkedQueue<>()).size() < n || !requestDone.containsKey(requestId)) {
            if (System.nanoTime() > deadline) {
                throw new BenchException("only " + completes.getOrDefault(requestId, new ConcurrentLinkedQueue<>()).size()
                        + " of " + n + " DisconnectComplete events for request " + requestId + " arrived in 120 s");
            }
            Proc.sleep(1);
        }
        long lastComplete = completes.get(requestId).stream().mapToLong(Long::longValue).max().orElseThrow();
        report.add(group, "call answered", "ms", Report.Better.LOWER, Report.TETHER, (answered - t0) / 1e6);
        report.add(group, "last DisconnectComplete", "ms", Report.Better.LOWER, Report.TETHER, (lastComplete - t0) / 1e6);
        report.add(group, "RequestCompleted", "ms", Report.Better.LOWER, Report.TETHER, (requestDone.get(requestId) - t0) / 1e6);
        report.add(group, "last socket closed", "ms", Report.Better.LOWER, Report.TETHER, (lastClosed - t0) / 1e6);
        report.add(group, "half the sockets closed", "ms", Report.Better.LOWER, Report.TETHER, (Stats.median(closedAt) - t0) / 1e6);
        bench.progress("closing " + n + " sessions");
        server.closeAllSessions();
    }

    /** Attaches one client to each session, at most 64 handshakes at a time, and waits until all are attached. */
    static List<Clients.Attachment> attachAll(TetherProcess server, Clients clients, List<Long> ids) throws Exception {
        var inFlight = new Semaphore(64);
        var futures = new ArrayList<CompletableFuture<Clients.Attachment>>();
        for (long id : ids) {
            if (!inFlight.tryAcquire(120, TimeUnit.SECONDS)) {
                throw new BenchException("attaching clients stalled");
            }
            futures.add(clients.attach(server, id, b -> { })
                    .thenCompose(a -> a.attached.thenApply(m -> a))
                    .whenComplete((a, e) -> inFlight.release()));
        }
        var out = new ArrayList<Clients.Attachment>();
        for (var f : futures) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }

    private static void tmux(Bench bench, Report report, String group, int n) throws Exception {
        var ptys = Collections.synchronizedList(new ArrayList<Pty>());
        var processes = Collections.synchronizedList(new ArrayList<Process>());
        Tmux tmux = bench.track(new Tmux(bench));
        AutoCloseable drain = null;
        try {
            tmux.newSession("s0", "/bin/sh");
            Scenario.parallel(n - 1, 4, 600, i -> tmux.newSession("s" + (i + 1), "/bin/sh"));
            Scenario.parallel(n, 4, 600, i -> {
                Pty pty = Pty.open(80, 24);
                ptys.add(pty);
                processes.add(tmux.attach("s" + i, pty));
            });
            drain = Pty.drain(List.copyOf(ptys)); // tmux writes to its clients' terminals: someone must read them
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (tmux.clients() < n) {
                if (System.nanoTime() > deadline) {
                    throw new BenchException("only " + tmux.clients() + " of " + n + " tmux clients attached in 120 s");
                }
                Proc.sleep(50);
            }
            Proc.sleep(200);
            var exits = new ConcurrentLinkedQueue<Long>();
            var exited = new ArrayList<CompletableFuture<?>>();
            for (Process p : processes) {
                exited.add(p.onExit().thenRun(() -> exits.add(System.nanoTime())));
            }
            String first = ptys.getFirst().slavePath().toString();
            long t0 = System.nanoTime();
            tmux.command("detach-client", "-a", "-t", first, ";", "detach-client", "-t", first);
            long answered = System.nanoTime();
            long limit = Math.max(120, n / 10); // tmux's detach is superlinear in N: about 40 s for 1,000 here
            long last;
            try {
                CompletableFuture.allOf(exited.toArray(CompletableFuture[]::new)).get(limit, TimeUnit.SECONDS);
                last = exits.stream().mapToLong(Long::longValue).max().orElseThrow();
            } catch (java.util.concurrent.TimeoutException e) {
                last = System.nanoTime();
                report.note(group + ": only " + exits.size() + " of " + n + " tmux clients had gone after " + limit
                        + " s; tmux's 'last socket closed' is that lower bound");
            }
            var sortedExits = exits.stream().map(Long::doubleValue).sorted().toList();
            int middle = (n + 1) / 2; // the time by which half of the clients had gone
            double half = sortedExits.size() >= middle ? sortedExits.get(middle - 1) : last;
            report.add(group, "call answered", "ms", Report.Better.LOWER, "tmux", (answered - t0) / 1e6);
            report.add(group, "last socket closed", "ms", Report.Better.LOWER, "tmux", (last - t0) / 1e6);
            report.add(group, "half the sockets closed", "ms", Report.Better.LOWER, "tmux", (half - t0) / 1e6);
        } finally {
            PtyChild.stopAll(processes); // clients first: tmux takes long to kill a server with thousands attached
            bench.release(tmux);
            if (drain != null) {
                drain.close();
            }
            ptys.forEach(Pty::close);
        }
    }
}
