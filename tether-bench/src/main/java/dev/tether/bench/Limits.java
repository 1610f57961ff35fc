package dev.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host limits that many sessions run into: pseudo-terminals ({@code kernel.pty.max}), open
 * files ({@code ulimit -n}) and processes ({@code kernel.pid_max}). Checked before a scenario
 * starts, so a big run fails at once with the command that fixes it instead of half way with EMFILE.
 */
final class Limits {
    private Limits() {
    }

    static long ptyMax() {
        return readLong(Path.of("/proc/sys/kernel/pty/max"), -1);
    }

    static long ptyInUse() {
        return readLong(Path.of("/proc/sys/kernel/pty/nr"), -1);
    }

    static long pidMax() {
        return readLong(Path.of("/proc/sys/kernel/pid_max"), -1);
    }

    /** The soft limit on open files of this process (the server and peers inherit it). */
    static long openFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Fails with the fix when the host cannot hold {@code ptys} more terminals, {@code files} open
     * files per process or {@code processes} more processes.
     */
    static void require(String what, long ptys, long files, long processes) {
        var problems = new StringBuilder();
        long ptyFree = ptyMax() - Math.max(0, ptyInUse());
        if (ptyMax() > 0 && ptys > ptyFree) {
            problems.append(String.format("%n  - %d pseudo-terminals, but kernel.pty.max is %d and %d are in use:"
                    + " sysctl -w kernel.pty.max=%d", ptys, ptyMax(), ptyInUse(), roundUp(ptys + ptyInUse() + 256)));
        }
        long nofile = openFiles();
        if (nofile > 0 && files > nofile) {
            problems.append(String.format("%n  - %d open files in one process, but ulimit -n is %d: ulimit -n %d"
                    + " (as root, or raise the hard limit in /etc/security/limits.conf)", files, nofile, roundUp(files)));
        }
        long pids = pidMax();
        if (pids > 0 && processes > pids / 2) {
            problems.append(String.format("%n  - about %d processes and threads, but kernel.pid_max is %d:"
                    + " sysctl -w kernel.pid_max=%d", processes, pids, roundUp(processes * 4)));
        }
        if (!problems.isEmpty()) {
            throw new BenchException(what + " needs more than this host allows:" + problems
                    + "\n  bin/tether-bench raises these itself when it runs as root.");
        }
    }

    private static long roundUp(long n) {
        long p = 4096;
        while (p < n) {
            p *= 2;
        }
        return p;
    }

    /** One read(2): integer sysctls answer end-of-file to a read at a non-zero offset, which Files.readString may make. */
    private static long readLong(Path p, long fallback) {
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return Long.parseLong(new String(buf, 0, Math.max(0, n), java.nio.charset.StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return fallback;
        }
    }
}
