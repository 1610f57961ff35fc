package dev.tether.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * dtach sessions in a directory of the bench's: one daemon ({@code dtach -n}) per session, each
 * with its socket, and clients ({@code dtach -a}) whose standard input is a terminal of the
 * bench's and whose output goes to a pipe the bench reads.
 */
final class Dtach implements AutoCloseable {
    private static final List<String> OPTIONS = List.of("-E", "-r", "none", "-z");

    private final Path binary;
    private final Path dir;
    private final java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger(); // several threads start sessions

    Dtach(Bench bench) {
        this.binary = bench.peers.dtach();
        this.dir = bench.newDir("dtach-");
    }

    /** {@code dtach -n SOCKET ... COMMAND}: a detached session; returns its socket. */
    Path newSession(List<String> command) {
        Path socket = dir.resolve("s" + sessions.incrementAndGet());
        var cmd = new ArrayList<>(List.of(binary.toString(), "-n", socket.toString()));
        cmd.addAll(OPTIONS);
        cmd.addAll(command);
        Proc.check(cmd, Map.of("TERM", "xterm-256color"), Duration.ofSeconds(60));
        return socket;
    }

    /** {@code dtach -a SOCKET} with stdin on {@code pty} and stdout to a pipe. */
    Process attach(Path socket, Pty pty) {
        var cmd = new ArrayList<>(List.of(binary.toString(), "-a", socket.toString()));
        cmd.addAll(OPTIONS);
        var pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(pty.slavePath().toFile()))
                .redirectError(ProcessBuilder.Redirect.to(new File("/dev/null")));
        pb.environment().put("TERM", "xterm-256color");
        try {
            return pb.start();
        } catch (IOException e) {
            throw new BenchException("cannot start a dtach client: " + e.getMessage(), e);
        }
    }

    /** The dtach daemons (one per session), found by their sockets' directory. */
    List<Long> daemons() {
        return Proc.withMarker(dir.toString() + "/s").stream()
                .filter(pid -> ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.endsWith("dtach")).orElse(false))
                .filter(pid -> ProcessHandle.of(pid).flatMap(h -> h.parent()).map(p -> p.pid() != ProcessHandle.current().pid()).orElse(true))
                .toList();
    }

    @Override
    public void close() {
        List<Long> pids = Proc.withMarker(dir.toString());
        if (!pids.isEmpty()) {
            Proc.stop(pids, Duration.ofSeconds(5));
        }
    }
}
