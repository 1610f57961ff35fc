package dev.tether.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Processes: memory and threads read from {@code /proc}, finding and stopping what the bench started, running commands. */
final class Proc {
    private Proc() {
    }

    /** Resident set size in bytes ({@code VmRSS}), or -1 when the process is gone. */
    static long rss(long pid) {
        return statusField(pid, "VmRSS:") * 1024;
    }

    /** User plus system CPU time the process has used, in seconds (-1 when it is gone); clock ticks of 1/100 s. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Threads of the process, or -1 when it is gone. */
    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    /** Proportional set size in bytes: shared pages divided among the processes that share them. */
    static long pss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Processes whose command line contains {@code marker}, a path unique to this run (the bench's
     * work directory), so only what this run started is ever found.
     */
    static List<Long> withMarker(String marker) {
        var found = new ArrayList<Long>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                try {
                    long pid = Long.parseLong(dir.getFileName().toString());
                    if (pid == self) {
                        continue;
                    }
                    String cmd = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.contains(marker)) {
                        found.add(pid);
                    }
                } catch (IOException | NumberFormatException e) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new BenchException("cannot list /proc: " + e.getMessage(), e);
        }
        return found;
    }

    /** SIGTERM, then SIGKILL after {@code grace}, to each of these processes (by pid, never by name). */
    static void stop(List<Long> pids, Duration grace) {
        var handles = pids.stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : handles) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                sleep(10);
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    /** The output of a short command (stdout and stderr together); fails when it does not end in {@code timeout}. */
    static Result run(List<String> command, Duration timeout) {
        return run(command, Map.of(), timeout);
    }

    static Result run(List<String> command, Map<String, String> env, Duration timeout) {
        try {
            var pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process went away
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new BenchException(String.join(" ", command) + " did not finish in " + timeout.toSeconds() + " s");
            }
            reader.join(Duration.ofSeconds(5));
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BenchException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running " + command.getFirst(), e);
        }
    }

    /** Like {@link #run} but fails unless the exit code is 0. */
    static String check(List<String> command, Map<String, String> env, Duration timeout) {
        Result r = run(command, env, timeout);
        if (r.exitCode() != 0) {
            throw new BenchException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
        return r.output();
    }

    record Result(int exitCode, String output) {
    }

    /** Where a program is on the PATH, or null. */
    static Path which(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
