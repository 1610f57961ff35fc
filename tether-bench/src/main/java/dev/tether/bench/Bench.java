package dev.tether.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One run of the bench: its options, the peers found, a private work directory under /tmp, and
 * everything started so far. {@link #close} stops it all in reverse order, then stops any process
 * still carrying the work directory's path in its command line (daemonised tmux and dtach
 * servers, a server JVM), and removes the directory. It runs at the end, on failure, and from the
 * shutdown hook on Ctrl-C.
 */
final class Bench implements AutoCloseable {
    final Options options;
    final Peers peers;
    final Path workDir;
    final PrintStream log;
    private final Deque<AutoCloseable> open = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private int servers;

    Bench(Options options, Peers peers, PrintStream log) {
        this.options = options;
        this.peers = peers;
        this.log = log;
        try {
            // Short: unix socket paths (tmux, dtach) must stay under 108 bytes.
            this.workDir = Files.createTempDirectory(Path.of("/tmp"), "tether-bench-");
        } catch (IOException e) {
            throw new BenchException("cannot create a work directory in /tmp: " + e.getMessage(), e);
        }
    }

    /** Remembers {@code c} so that {@link #close} closes it if the scenario does not. */
    <T extends AutoCloseable> T track(T c) {
        open.push(c);
        return c;
    }

    /** Closes {@code c} now and forgets it. */
    void release(AutoCloseable c) {
        open.remove(c);
        closeQuietly(c);
    }

    /** Starts a Tether server in its own JVM, with a fresh data directory. */
    TetherProcess startTether(String scenario) {
        return track(TetherProcess.start(this, scenario + "-" + (++servers)));
    }

    Path newDir(String prefix) {
        try {
            return Files.createTempDirectory(workDir, prefix);
        } catch (IOException e) {
            throw new BenchException("cannot create a directory in " + workDir + ": " + e.getMessage(), e);
        }
    }

    void progress(String message) {
        log.println("  " + message);
        log.flush();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        AutoCloseable c;
        while ((c = open.poll()) != null) {
            closeQuietly(c);
        }
        List<Long> strays = Proc.withMarker(workDir.toString());
        if (!strays.isEmpty()) {
            Proc.stop(strays, Duration.ofSeconds(5));
        }
        if (System.getenv("TETHER_BENCH_KEEP") != null) {
            log.println("  kept " + workDir + " (TETHER_BENCH_KEEP): the servers' logs and data");
            return;
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is under /tmp
        }
    }

    private void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.println("  (cleanup: " + e.getMessage() + ")");
        }
    }
}
