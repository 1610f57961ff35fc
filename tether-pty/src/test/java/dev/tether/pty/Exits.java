package dev.tether.pty;

import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** Hears the exit of one terminal, counting how often it is told; and the pty tests' shared helpers. */
final class Exits implements TerminalListener {
    static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "TERM", "xterm-256color");
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final CompletableFuture<Integer> code = new CompletableFuture<>();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void exited(int exitCode) {
        calls.incrementAndGet();
        code.complete(exitCode);
    }

    int await() throws Exception {
        return code.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** A condition that holds when {@code value} reads the same as at the previous poll: nothing changed in between. */
    static Callable<Boolean> unchanged(Supplier<?> value) {
        AtomicReference<Object> last = new AtomicReference<>(new Object());
        return () -> {
            Object now = value.get();
            return now.equals(last.getAndSet(now));
        };
    }

    static TerminalSpec spec(String... command) {
        return new TerminalSpec(List.of(command), ENV, Path.of("/tmp"), 80, 24, 256 * 1024);
    }

    static TerminalSpec spec(int ringBytes, String... command) {
        return new TerminalSpec(List.of(command), ENV, Path.of("/tmp"), 80, 24, ringBytes);
    }
}
