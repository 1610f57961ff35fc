package dev.tether.bench;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code cli}: the command line as a person meets it, through {@code bin/tether} (launcher, JVM,
 * AOT cache and all). Per trial, {@code --calls} runs of each: {@code tether sessions} against a
 * live server, the same with nothing listening (the error path), and {@code tether session attach}
 * on a terminal of the bench's, timed to its first output byte and to the session's own output on
 * the screen; against {@code tmux ls}, {@code tmux ls} with no server, and {@code tmux attach}. The
 * JVM's floor ({@code java -version}, a hello world) is measured in the same run, with the
 * launcher's options: what no launcher can go under.
 *
 * <p>The first call is not timed: it builds the jar if the sources are newer, and trains the AOT
 * cache when the jar is newer than it (a note gives its time).
 */
final class CliScenario implements Scenario {
    static final String JAVA = "java -version";
    static final String HELLO = "hello world (java)";
    /** The JVM options bin/tether gives a command, less the AOT cache (keep the two in step). */
    static final List<String> CLI_OPTS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Djdk.reflect.useNativeAccessorOnly=true");
    private static final String PROGRAM = "echo " + MarkedStream.MARKER + "; exec cat";
    private static final String LIVE = "sessions, live server";
    private static final String NONE = "sessions, no server";
    private static final String FIRST_BYTE = "attach, first byte";
    private static final String SCREEN = "attach, session output shown";
    private static final String FLOOR = "JVM start floor";

    @Override
    public String name() {
        return "cli";
    }

    @Override
    public String description() {
        return "a short command and an attach through bin/tether, against tmux ls and tmux attach (ms per call)";
    }

    @Override
    public void run(Bench bench, Report report) throws Exception {
        Path launcher = launcher();
        var server = bench.startTether(name());
        String closed = "http://127.0.0.1:" + closedPort();
        var env = Map.of("TETHER_TOKEN", server.token(), "TERM", "xterm-256color");
        List<String> sessions = List.of(launcher.toString(), "--server", server.url().toString(), "sessions");
        List<String> noServer = List.of(launcher.toString(), "--server", closed, "sessions");
        long id = server.rest().createSession(List.of("/bin/sh", "-c", PROGRAM));
        List<String> attach = List.of(launcher.toString(), "--server", server.url().toString(), "session", "attach", Long.toString(id));

        long t0 = System.nanoTime();
        Proc.Result warm = Proc.run(sessions, env, Duration.ofMinutes(10));
        if (warm.exitCode() != 0) {
            throw new BenchException(String.join(" ", sessions) + " failed (exit " + warm.exitCode() + "): " + warm.output().strip());
        }
        report.note("the first call (building the jar if needed, training the AOT cache if the jar is newer) took "
                + Report.fmt((System.nanoTime() - t0) / 1e9) + " s");
        Proc.Result unreachable = Proc.run(noServer, env, Duration.ofMinutes(1));
        if (!unreachable.output().contains("SERVER_UNREACHABLE")) {
            throw new BenchException("tether sessions with nothing listening said: " + unreachable.output().strip());
        }

        Tmux tmux = bench.options.peers() && bench.peers.missing("tmux") == null ? bench.track(new Tmux(bench)) : null;
        if (tmux != null) {
            tmux.newSession("s", PROGRAM);
        }
        String java = TetherProcess.javaBinary();
        int calls = bench.options.calls();
        try {
            Scenario.interleave(bench, report, bench.options.trialsFor(name()), List.of(Report.TETHER, "tmux", JAVA, HELLO),
                    (trial, subject) -> {
                        switch (subject) {
                            case Report.TETHER -> {
                                record(report, LIVE, subject, times(calls, sessions, env, 0));
                                record(report, NONE, subject, times(calls, noServer, env, 3));
                                attach(report, subject, calls, attach, env);
                            }
                            case "tmux" -> {
                                record(report, LIVE, subject, times(calls, tmux.argv("ls"), Tmux.ENV, 0));
                                var none = List.of(bench.peers.tmux().toString(), "-S", bench.workDir.resolve("no-tmux").toString(), "ls");
                                record(report, NONE, subject, times(calls, none, Tmux.ENV, 1));
                                attach(report, subject, calls, tmux.argv("attach-session", "-t", "s"), Tmux.ENV);
                            }
                            case JAVA -> record(report, FLOOR, subject, times(calls, withOpts(java, "-version"), Map.of(), 0));
                            default -> record(report, FLOOR, subject,
                                    times(calls, withOpts(java, "-cp", TetherProcess.classPath(), Hello.class.getName()), Map.of(), 0));
                        }
                    });
        } finally {
            if (tmux != null) {
                bench.release(tmux);
            }
            bench.release(server);
        }
        for (String group : List.of(LIVE, NONE, FIRST_BYTE)) {
            double p50 = report.median(group, "p50", Report.TETHER);
            report.goal(group + ": p50 ≤ 150 ms", Double.isNaN(p50) ? null : p50 <= 150,
                    "Tether p50 " + Report.fmt(p50) + " ms, tmux " + Report.fmt(report.median(group, "p50", "tmux"))
                            + " ms, JVM floor (java -version) " + Report.fmt(report.median(FLOOR, "p50", JAVA)) + " ms");
        }
    }

    private static List<String> withOpts(String java, String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(java);
        cmd.addAll(CLI_OPTS);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void record(Report report, String group, String subject, long[] nanos) {
        long[] s = Stats.sorted(nanos);
        report.add(group, "p50", "ms", Report.Better.LOWER, subject, Stats.percentile(s, 50) / 1e6);
        report.add(group, "p90", "ms", Report.Better.LOWER, subject, Stats.percentile(s, 90) / 1e6);
    }

    /** Wall time of {@code calls} runs of {@code command}, stdin /dev/null and output discarded; each must exit {@code exit}. */
    static long[] times(int calls, List<String> command, Map<String, String> env, int exit) throws Exception {
        long[] t = new long[calls];
        for (int i = 0; i < calls; i++) {
            var pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                PtyChild.stop(p);
                throw new BenchException(String.join(" ", command) + " did not end in 60 s");
            }
            t[i] = System.nanoTime() - start;
            if (p.exitValue() != exit) {
                throw new BenchException(String.join(" ", command) + " exited " + p.exitValue() + ", not " + exit);
            }
        }
        return t;
    }

    /** {@code calls} attaches on a fresh 80×24 terminal each: time to the first byte, and to the marker on the screen. */
    private static void attach(Report report, String subject, int calls, List<String> command, Map<String, String> env) throws Exception {
        long[] first = new long[calls];
        long[] shown = new long[calls];
        for (int i = 0; i < calls; i++) {
            try (Pty pty = Pty.open(80, 24); Arena arena = Arena.ofConfined()) {
                // The terminal opened read-write as all three (a shell's <>), as a login's terminal is: the
                // tmux client writes to its stdin, and draws nothing on a terminal opened only for reading.
                var argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" <>\"$0\" >&0 2>&0", pty.slavePath().toString()));
                argv.addAll(command);
                var pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
                pb.environment().putAll(env);
                pb.environment().remove("TMUX");
                MemorySegment buf = arena.allocate(64 * 1024);
                MemorySegment errno = Pty.newErrno(arena);
                MemorySegment pollfd = Pty.newPollFd(arena);
                var marker = new MarkedStream(Long.MAX_VALUE);
                var seen = new StringBuilder();
                long start = System.nanoTime();
                Process p = pb.start();
                try {
                    long deadline = start + TimeUnit.SECONDS.toNanos(60);
                    while (!marker.ready.isDone()) {
                        int n = pty.read(buf, errno, pollfd, 100);
                        if (n < 0 || System.nanoTime() > deadline) {
                            throw new BenchException(String.join(" ", command) + " showed no " + MarkedStream.MARKER + " within 60 s"
                                    + (p.isAlive() ? "" : " (it exited " + p.exitValue() + ")") + "; it wrote: " + seen);
                        }
                        if (n > 0 && first[i] == 0) {
                            first[i] = System.nanoTime() - start;
                        }
                        if (seen.length() < 400) {
                            byte[] b = buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                            seen.append(new String(b, StandardCharsets.ISO_8859_1).replace("\u001b", "\\e"));
                        }
                        marker.accept(buf, n);
                    }
                    shown[i] = System.nanoTime() - start;
                } finally {
                    PtyChild.stop(p);
                }
            }
        }
        record(report, FIRST_BYTE, subject, first);
        record(report, SCREEN, subject, shown);
    }

    /** {@code bin/tether} of the checkout the bench was built in (or run from). */
    static Path launcher() {
        var starts = new ArrayList<Path>();
        try {
            starts.add(Path.of(CliScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // not from a file: try the working directory
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path d = start; d != null; d = d.getParent()) {
                Path candidate = d.resolve("bin/tether");
                if (Files.isExecutable(candidate) && Files.isDirectory(d.resolve("tether-cli"))) {
                    return candidate;
                }
            }
        }
        throw new BenchException("cannot find bin/tether above " + starts + ": run the bench from a Tether checkout");
    }

    private static int closedPort() throws IOException {
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort(); // closed again at once: nothing listens there during the trials
        }
    }

    /** The hello world of the floor: the cost of a JVM that loads one class of its own. */
    static final class Hello {
        private Hello() {
        }

        public static void main(String[] args) {
            System.out.write("hello\n".getBytes(StandardCharsets.US_ASCII), 0, 6);
            System.out.flush();
        }
    }
}
