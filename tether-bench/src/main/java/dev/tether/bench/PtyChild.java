package dev.tether.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A program on a terminal of the bench's, with nothing in between: the raw-PTY baseline. Also
 * the pumps that read a terminal or a pipe into a consumer on a thread of their own.
 */
final class PtyChild implements AutoCloseable {
    final Pty pty;
    final Process process;

    private PtyChild(Pty pty, Process process) {
        this.pty = pty;
        this.process = process;
    }

    /** Runs {@code sh -c SCRIPT} with stdin, stdout and stderr on a new 80×24 terminal. */
    static PtyChild start(String script) throws IOException {
        Pty pty = Pty.open(80, 24);
        try {
            var tty = pty.slavePath().toFile();
            var pb = new ProcessBuilder(List.of("/bin/sh", "-c", script)).redirectInput(ProcessBuilder.Redirect.from(tty))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(tty)).redirectError(ProcessBuilder.Redirect.appendTo(tty));
            pb.environment().put("TERM", "xterm-256color");
            return new PtyChild(pty, pb.start());
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    /** Types {@code text} on the terminal. */
    void type(String text) throws IOException {
        type(pty, text);
    }

    static void type(Pty pty, String text) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            pty.write(arena.allocateFrom(text, StandardCharsets.ISO_8859_1).asSlice(0, text.length()), Pty.newErrno(arena));
        }
    }

    /** Reads a pipe into {@code sink} on a daemon thread until it ends, then runs {@code end}. */
    static Thread pump(InputStream in, BiConsumer<MemorySegment, Integer> sink, Runnable end) {
        return Thread.ofPlatform().daemon().name("bench-pipe-reader").start(() -> {
            byte[] buf = new byte[64 * 1024];
            MemorySegment seg = MemorySegment.ofArray(buf);
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    sink.accept(seg, n);
                }
            } catch (IOException ignored) {
                // the process went away
            } finally {
                end.run();
            }
        });
    }

    /** Stops the program (and anything it started) and closes the terminal. */
    @Override
    public void close() {
        stop(process);
        pty.close();
    }

    /**
     * Stops many processes that have no children of their own (terminal clients): SIGKILL to all
     * first, then one wait. (Looking for descendants scans /proc, once per process: quadratic.)
     */
    static void stopAll(java.util.Collection<Process> processes) {
        processes.forEach(Process::destroyForcibly);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        for (Process p : processes) {
            try {
                p.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
