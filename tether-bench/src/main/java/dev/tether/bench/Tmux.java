package dev.tether.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A private tmux server on its own socket in the bench's work directory, with no configuration
 * file, and the clients attached to it (each on a terminal of the bench's own).
 */
final class Tmux implements AutoCloseable {
    static final Map<String, String> ENV = Map.of("TERM", "xterm-256color");

    private final Path binary;
    private final Path socket;
    private long serverPid = -1;

    Tmux(Bench bench) {
        this.binary = bench.peers.tmux();
        this.socket = bench.newDir("tmux-").resolve("sock");
    }

    /** Runs {@code tmux -S SOCKET -f /dev/null ARGS...} and returns its output; fails on a non-zero exit. */
    String command(String... args) {
        return Proc.check(argv(args), ENV, Duration.ofSeconds(120));
    }

    List<String> argv(String... args) {
        var cmd = new ArrayList<>(List.of(binary.toString(), "-S", socket.toString(), "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code new-session -d}: a detached 80×24 session running {@code command}. */
    void newSession(String name, String command) {
        command("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command);
    }

    long serverPid() {
        if (serverPid < 0) {
            serverPid = Long.parseLong(command("display-message", "-p", "#{pid}").strip());
        }
        return serverPid;
    }

    /** Starts {@code tmux attach -t SESSION} on the terminal {@code pty}. */
    Process attach(String session, Pty pty) {
        var pb = new ProcessBuilder(argv("attach-session", "-t", session));
        pb.environment().putAll(ENV);
        pb.environment().remove("TMUX");
        File tty = pty.slavePath().toFile();
        pb.redirectInput(ProcessBuilder.Redirect.from(tty)).redirectOutput(ProcessBuilder.Redirect.appendTo(tty))
                .redirectError(ProcessBuilder.Redirect.appendTo(tty));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new BenchException("cannot start a tmux client: " + e.getMessage(), e);
        }
    }

    /** How many clients are attached. */
    int clients() {
        String out = Proc.run(argv("list-clients"), ENV, Duration.ofSeconds(60)).output();
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    /** Kills the server (and so its sessions). */
    @Override
    public void close() {
        Proc.run(argv("kill-server"), ENV, Duration.ofSeconds(60));
        if (serverPid > 0) {
            Proc.stop(List.of(serverPid), Duration.ofSeconds(5));
        }
    }
}
