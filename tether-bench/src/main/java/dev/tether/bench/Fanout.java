package dev.tether.bench;

import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code fanout}: one session writes M MiB while K clients are attached (K = 1, 10, 100).
 *
 * <p>stream MB/s is M over the time from the keystroke that starts the program until the last
 * client has every byte; per client and total follow from it. tmux clients are sent a rendition
 * of the screen, not the stream, so for tmux the stream time ends when the program has written its
 * last byte with K clients attached ({@code tmux wait-for}); per-client figures are not comparable
 * and not given. dtach forwards the stream itself to every client, like Tether.
 */
final class Fanout implements Scenario {
    @Override
    public String name() {
        return "fanout";
    }

    @Override
    public String description() {
        return "one session's output to K attached clients: MB/s of the stream, per client and in total";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        long bytes = bench.options.fanoutMib() * 1024L * 1024L;
        var server = bench.startTether(name());
        try (var clients = new Clients(Math.max(1, Runtime.getRuntime().availableProcessors()))) {
            for (int k : bench.options.clients()) {
                Limits.require("fanout with " + k + " clients", 2L * k + 8, 4L * k + 1024, 4L * k + 1024);
                String group = "K=" + k;
                Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of("tmux", "dtach", Report.TETHER),
                        (trial, subject) -> {
                            switch (subject) {
                                case Report.TETHER -> tether(server, clients, report, group, k, bytes);
                                case "tmux" -> tmux(bench, report, group, k, bytes);
                                default -> dtach(bench, report, group, k, bytes);
                            }
                        });
            }
        } finally {
            bench.release(server);
        }
        goal(bench, report);
    }

    private static void tether(TetherProcess server, Clients clients, Report report, String group, int k, long bytes) throws Exception {
        long id = server.rest().createSession(List.of("/bin/sh", "-c", Throughput.program(bytes)));
        var streams = new ArrayList<MarkedStream>();
        var attachments = new ArrayList<Clients.Attachment>();
        for (int i = 0; i < k; i++) {
            var stream = new MarkedStream(bytes);
            streams.add(stream);
            attachments.add(clients.attach(server, id, stream::accept).get(60, TimeUnit.SECONDS));
        }
        for (var a : attachments) {
            a.attached.get(60, TimeUnit.SECONDS);
        }
        double cpu0 = server.cpuSeconds();
        long go = System.nanoTime();
        attachments.getFirst().send(Buffer.buffer("go\r"));
        int dropped = 0;
        long last = go;
        var perClient = new ArrayList<Double>();
        for (int i = 0; i < k; i++) {
            MarkedStream s = streams.get(i);
            CompletableFuture.anyOf(s.done, attachments.get(i).closed).get(timeout(bytes, k), TimeUnit.SECONDS);
            if (!s.done.isDone()) {
                dropped++;
                continue;
            }
            long nanos = s.done.get();
            last = Math.max(last, s.startNanos() + nanos);
            perClient.add(bytes / (nanos / 1e9) / 1e6);
        }
        double cpu = server.cpuSeconds() - cpu0;
        for (var a : attachments) {
            a.closed.get(60, TimeUnit.SECONDS); // the program exits and the session ends
        }
        record(report, group, Report.TETHER, bytes, streams.stream().mapToLong(MarkedStream::received).sum(), last - go, perClient);
        report.add(group, "bytes delivered (worst client)", "%", Report.Better.HIGHER, Report.TETHER,
                100 * streams.stream().mapToDouble(s -> (double) s.received() / bytes).min().orElse(0));
        report.add(group, "clients dropped (too slow)", "clients", Report.Better.LOWER, Report.TETHER, dropped);
        long delivered = streams.stream().mapToLong(MarkedStream::received).sum();
        report.add(group, "server CPU per MB delivered", "ms", Report.Better.LOWER, Report.TETHER, cpu * 1e3 / (delivered / 1e6));
    }

    private static void dtach(Bench bench, Report report, String group, int k, long bytes) throws Exception {
        var ptys = new ArrayList<Pty>();
        var processes = new ArrayList<Process>();
        try (var dtach = new Dtach(bench)) {
            Path socket = dtach.newSession(List.of("/bin/sh", "-c", Throughput.program(bytes)));
            var streams = new ArrayList<MarkedStream>();
            var attached = new ArrayList<CompletableFuture<Void>>();
            for (int i = 0; i < k; i++) {
                Pty pty = Pty.open(80, 24);
                ptys.add(pty);
                var stream = new MarkedStream(bytes);
                var first = new CompletableFuture<Void>();
                Process p = dtach.attach(socket, pty);
                processes.add(p);
                PtyChild.pump(p.getInputStream(), (seg, n) -> {
                    first.complete(null);
                    stream.accept(seg, n);
                }, stream::end);
                streams.add(stream);
                attached.add(first);
            }
            CompletableFuture.allOf(attached.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long go = System.nanoTime();
            PtyChild.type(ptys.getFirst(), "go\r");
            // dtach drops what a client does not take at once: a client may never get every byte. Its
            // stream ends when the program exits (the daemon ends, the client sees end-of-file).
            long last = go;
            var perClient = new ArrayList<Double>();
            double delivered = 1;
            for (MarkedStream s : streams) {
                CompletableFuture.anyOf(s.done, s.ended).get(timeout(bytes, k), TimeUnit.SECONDS);
                long end = s.done.isDone() ? s.startNanos() + s.done.get() : s.lastNanos();
                last = Math.max(last, end);
                perClient.add(s.received() / ((end - s.startNanos()) / 1e9) / 1e6);
                delivered = Math.min(delivered, (double) s.received() / bytes);
            }
            report.add(group, "bytes delivered (worst client)", "%", Report.Better.HIGHER, "dtach", 100 * delivered);
            record(report, group, "dtach", bytes, streams.stream().mapToLong(MarkedStream::received).sum(), last - go, perClient);
        } finally {
            PtyChild.stopAll(processes);
            ptys.forEach(Pty::close);
        }
    }

    private static void tmux(Bench bench, Report report, String group, int k, long bytes) throws Exception {
        var ptys = new ArrayList<Pty>();
        var processes = new ArrayList<Process>();
        Tmux tmux = bench.track(new Tmux(bench));
        try {
            tmux.newSession("f", "tmux wait-for go; head -c " + bytes + " /dev/zero | tr '\\000' x; tmux wait-for -S done; exec cat");
            for (int i = 0; i < k; i++) {
                Pty pty = Pty.open(80, 24);
                ptys.add(pty);
                pty.pump((seg, n) -> { }); // a terminal that keeps up
                processes.add(tmux.attach("f", pty));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (tmux.clients() < k) {
                if (System.nanoTime() > deadline) {
                    throw new BenchException("only " + tmux.clients() + " of " + k + " tmux clients attached in 60 s");
                }
                Proc.sleep(20);
            }
            long go = System.nanoTime();
            tmux.command("wait-for", "-S", "go");
            Proc.check(tmux.argv("wait-for", "done"), Tmux.ENV, java.time.Duration.ofSeconds(timeout(bytes, k)));
            long nanos = System.nanoTime() - go;
            report.add(group, "stream", "MB/s", Report.Better.HIGHER, "tmux", bytes / (nanos / 1e9) / 1e6);
        } finally {
            PtyChild.stopAll(processes); // clients first: tmux takes long to kill a server with thousands attached
            bench.release(tmux);
            ptys.forEach(Pty::close);
        }
    }

    /** {@code delivered}: payload bytes all clients received together (dtach may drop some). */
    private static void record(Report report, String group, String subject, long bytes, long delivered, long nanos,
                               List<Double> perClient) {
        report.add(group, "stream", "MB/s", Report.Better.HIGHER, subject, bytes / (nanos / 1e9) / 1e6);
        report.add(group, "per client (median)", "MB/s", Report.Better.HIGHER, subject, Stats.median(perClient));
        report.add(group, "total delivered", "MB/s", Report.Better.HIGHER, subject, delivered / (nanos / 1e9) / 1e6);
    }

    /** "Does not fall off a cliff": the stream at the largest K keeps at least a quarter of K=1's. */
    private static void goal(Bench bench, Report report) {
        List<Integer> ks = bench.options.clients();
        int lo = ks.stream().mapToInt(Integer::intValue).min().orElse(1);
        int hi = ks.stream().mapToInt(Integer::intValue).max().orElse(1);
        double at1 = report.median("K=" + lo, "stream", Report.TETHER);
        double atK = report.median("K=" + hi, "stream", Report.TETHER);
        double totalK = report.median("K=" + hi, "total delivered", Report.TETHER);
        double total1 = report.median("K=" + lo, "total delivered", Report.TETHER);
        report.goal("total throughput does not fall off a cliff with K", totalK >= 0.5 * total1,
                "total " + Report.fmt(total1) + " MB/s at K=" + lo + ", " + Report.fmt(totalK) + " MB/s at K=" + hi
                        + " (stream " + Report.fmt(at1) + " → " + Report.fmt(atK) + " MB/s); met when the total keeps at least half");
    }

    private static long timeout(long bytes, int k) {
        return 120 + bytes * k / 2_000_000;
    }
}
