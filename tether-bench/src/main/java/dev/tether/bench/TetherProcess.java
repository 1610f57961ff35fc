package dev.tether.bench;

import dev.tether.pty.Keeper;
import dev.tether.server.TetherServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Tether server under test: {@code tether serve --listen 127.0.0.1:0 --data-dir DIR} in its own
 * JVM, with the JVM options {@code bin/tether serve} uses, so its RSS and threads are the
 * server's alone. The sessions live in the session keeper {@code serve} starts for the data
 * directory (another JVM, whose RSS {@link #keeperRss} reads). {@link #close} is SIGTERM, as Ctrl-C,
 * which leaves the sessions in the keeper, then {@code tether keeper stop}, which closes them, so
 * that a scenario leaves nothing running; {@link #kill} is {@code kill -9} of the server alone.
 */
final class TetherProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    private final Process process;
    private final URI url;
    private final String token;
    private final Path log;
    private final Path dataDir;
    private final Rest rest;

    private TetherProcess(Process process, URI url, String token, Path log, Path dataDir) {
        this.process = process;
        this.url = url;
        this.token = token;
        this.log = log;
        this.dataDir = dataDir;
        this.rest = new Rest(url, token);
    }

    /** The JVM options {@code bin/tether serve} gives the server (keep the two in step). */
    static final List<String> SERVE_OPTS = List.of("-XX:+UseG1GC", "-Xms16m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:G1PeriodicGCInterval=5000");

    static TetherProcess start(Bench bench, String label) {
        return start(bench, label, bench.newDir("data-" + label + "-"));
    }

    /** A server on {@code dataDir}: a fresh one, or the data directory of a server that was killed (it adopts its sessions). */
    static TetherProcess start(Bench bench, String label, Path dataDir) {
        Path log = bench.workDir.resolve(label + ".log");
        var cmd = new ArrayList<String>();
        cmd.add(javaBinary());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.addAll(SERVE_OPTS);
        cmd.addAll(bench.options.serverOpts()); // after: --server-opts wins
        if (bench.options.profile()) {
            Path jfr = bench.options.out().toAbsolutePath().resolve(label + "-tether.jfr");
            try {
                Files.createDirectories(jfr.getParent()); // else the JVM exits at once: JFR cannot create its file
            } catch (IOException e) {
                throw new BenchException("cannot create " + jfr.getParent() + " for the profile: " + e.getMessage());
            }
            // CPU-time sampling (JDK 25, Linux) also sees time in native code: the PTY loop's read/write/epoll.
            cmd.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true"
                    + ",jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms");
            bench.progress("profiling the server into " + jfr);
        }
        // Every bench client connects from 127.0.0.1: the per-address cap (256 by default) would
        // close the thousands of attachments a scenario opens, so it is raised to its maximum.
        cmd.addAll(List.of("-cp", classPath(), "dev.tether.cli.Main", "serve", "--listen", "127.0.0.1:0",
                "--data-dir", dataDir.toString(), "--max-connections-per-address", "1000000"));
        cmd.addAll(bench.options.serveArgs());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new BenchException("cannot start the Tether server (" + cmd.getFirst() + "): " + e.getMessage(), e);
        }
        var url = new CompletableFuture<URI>();
        Thread.ofPlatform().daemon().name("tether-stdout-" + label).start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(URI.create(m.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the server went away
            }
            url.completeExceptionally(new BenchException("the Tether server exited before listening; see " + log));
        });
        try {
            URI u = url.get(90, TimeUnit.SECONDS);
            String token = Files.readString(dataDir.resolve("admin.token")).strip();
            return new TetherProcess(p, u, token, log, dataDir);
        } catch (Exception e) {
            p.destroyForcibly();
            String tail = tail(log);
            throw new BenchException("the Tether server did not start: " + e.getMessage() + (tail.isEmpty() ? "" : "\n" + tail), e);
        }
    }

    URI url() {
        return url;
    }

    String token() {
        return token;
    }

    Rest rest() {
        return rest;
    }

    long pid() {
        return process.pid();
    }

    long rss() {
        return Proc.rss(pid());
    }

    Path dataDir() {
        return dataDir;
    }

    /** The runtime folder of the data directory: the keeper's socket, lock (with its pid) and log. */
    Path runtime() {
        return dataDir.resolve(TetherServer.RUNTIME);
    }

    /** Whether a session keeper holds the sessions (not so with {@code --serve-args --no-keeper}). */
    boolean hasKeeper() {
        return Files.exists(runtime().resolve(Keeper.LOCK));
    }

    /** The pid of the session keeper of the data directory, from its lock file. */
    long keeperPid() {
        try {
            return Long.parseLong(Files.readString(runtime().resolve(Keeper.LOCK)).strip());
        } catch (IOException | NumberFormatException e) {
            throw new BenchException("no keeper pid in " + runtime().resolve(Keeper.LOCK) + ": " + e.getMessage(), e);
        }
    }

    /** The RSS of the session keeper, which holds every session's program, master and ring. */
    long keeperRss() {
        return Proc.rss(keeperPid());
    }

    /** {@code kill -9} of the server (not of its keeper); returns once it is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new BenchException("the Tether server (pid " + pid() + ") did not die of SIGKILL in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while killing the Tether server", e);
        }
    }

    /** CPU seconds the server has used so far (user + system). */
    double cpuSeconds() {
        return Proc.cpuSeconds(pid());
    }

    long threads() {
        return Proc.threads(pid());
    }

    /** The version the server reports ({@code GET /server}). */
    String version() {
        return rest.get("/server").path("version").asText("unknown");
    }

    /** Closes every live session and waits until they are closed. */
    void closeAllSessions() {
        rest.post("/sessions/close?wait=true", java.util.Map.of("all", true));
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return; // killed: its keeper and sessions are the next server's
        }
        process.destroy();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Keeper.stopRunning(runtime()); // the sessions outlive the server: log them off, as 'tether keeper stop' does
        } catch (IOException e) {
            // no keeper answers there (it died, or the server ran without one): nothing to stop
        }
    }

    /** The JVM running the bench (a JDK 25: the server needs it too). */
    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The bench's classpath: the shaded jar, or in the smoke test surefire's test classpath plus the
     * module path the bench's own modules are on there (the child JVM runs them all on the class path).
     */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire == null || surefire.isBlank()) {
            return System.getProperty("java.class.path");
        }
        String modules = System.getProperty("jdk.module.path");
        return modules == null || modules.isBlank() ? surefire : surefire + File.pathSeparator + modules;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
