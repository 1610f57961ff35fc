package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peers on this host: tmux and dtach from the distribution, and {@code script} (util-linux)
 * for the raw-PTY baseline. A missing one is reported as skipped, never dropped silently.
 */
record Peers(Path tmux, String tmuxVersion, Path dtach, String dtachVersion, Path script) {

    static Peers detect(boolean enabled) {
        if (!enabled) {
            return new Peers(null, null, null, null, null);
        }
        Path tmux = Proc.which("tmux");
        Path dtach = Proc.which("dtach");
        String tv = tmux == null ? null : Proc.run(List.of(tmux.toString(), "-V"), Duration.ofSeconds(10)).output().strip();
        String dv = null;
        if (dtach != null) {
            String help = Proc.run(List.of(dtach.toString(), "--help"), Duration.ofSeconds(10)).output();
            dv = help.lines().filter(l -> l.contains("version")).findFirst().orElse("dtach").strip();
        }
        return new Peers(tmux, tv, dtach, dv, Proc.which("script"));
    }

    /** Why a peer cannot run, for the report. */
    String missing(String peer) {
        return switch (peer) {
            case "tmux" -> tmux == null ? reason("tmux") : null;
            case "dtach" -> dtach == null ? reason("dtach") : null;
            case "script" -> script == null ? reason("script (util-linux)") : null;
            default -> throw new IllegalArgumentException(peer);
        };
    }

    private String reason(String what) {
        return Files.exists(Path.of("/usr/bin/apt-get"))
                ? what + " is not installed (bin/tether-bench --install-peers, or apt-get install tmux dtach)"
                : what + " is not installed";
    }

    Map<String, Object> versions() {
        var m = new LinkedHashMap<String, Object>();
        m.put("tmux", tmuxVersion);
        m.put("dtach", dtachVersion);
        m.put("script", script == null ? null : script.toString());
        return m;
    }

    /** {@code apt-get install -y tmux dtach}, with the output shown; fails with the reason. */
    static void install() {
        boolean root = "0".equals(Proc.run(List.of("id", "-u"), Duration.ofSeconds(5)).output().strip());
        List<String> prefix = root ? List.of() : List.of("sudo", "-n");
        System.err.println("tether-bench: installing tmux and dtach with apt-get" + (root ? "" : " (through sudo)"));
        for (List<String> cmd : List.of(List.of("apt-get", "update", "-qq"), List.of("apt-get", "install", "-y", "-qq", "tmux", "dtach"))) {
            var full = new java.util.ArrayList<>(prefix);
            full.addAll(cmd);
            Proc.Result r = Proc.run(full, Map.of("DEBIAN_FRONTEND", "noninteractive"), Duration.ofMinutes(10));
            if (r.exitCode() != 0) {
                throw new BenchException(String.join(" ", full) + " failed (exit " + r.exitCode() + "):\n" + r.output().strip());
            }
        }
    }
}
