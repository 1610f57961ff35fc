package dev.tether.bench;

import io.vertx.core.buffer.Buffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A terminal's output as the measured programs write it: anything (the echo of what started the
 * program, a clear-screen from dtach), then {@link #MARKER}, then the payload. Counts payload bytes
 * and times them from the marker to the last expected byte, so every subject is timed the same way
 * whatever its start-up costs.
 */
final class MarkedStream {
    static final String MARKER = "READY";
    private static final byte[] MARK = MARKER.getBytes(StandardCharsets.US_ASCII);

    private final long expected;
    private int matched;
    private long chunks;
    private long received;
    private long startNanos;
    /** Completes with the nanoseconds from the marker to the last expected payload byte. */
    final CompletableFuture<Long> done = new CompletableFuture<>();
    /** Completes when the marker has been seen. */
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Completes when the stream has ended (the source hung up), whether every byte came or not. */
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile long lastNanos;

    MarkedStream(long expected) {
        this.expected = expected;
    }

    void accept(Buffer b) {
        chunks++;
        int n = b.length();
        int i = 0;
        while (!ready.isDone() && i < n) {
            see(b.getByte(i++));
        }
        payload(n - i);
    }

    void accept(MemorySegment s, int n) {
        chunks++;
        int i = 0;
        while (!ready.isDone() && i < n) {
            see(s.get(ValueLayout.JAVA_BYTE, i++));
        }
        payload(n - i);
    }

    private void see(byte c) {
        matched = c == MARK[matched] ? matched + 1 : c == MARK[0] ? 1 : 0;
        if (matched == MARK.length) {
            startNanos = System.nanoTime();
            ready.complete(null);
        }
    }

    private void payload(int n) {
        if (n <= 0 || done.isDone()) {
            return;
        }
        received += n;
        lastNanos = System.nanoTime();
        if (received >= expected) {
            done.complete(System.nanoTime() - startNanos);
        }
    }

    /** The source hung up. */
    void end() {
        ended.complete(null);
    }

    /** {@link System#nanoTime} of the last payload byte so far. */
    long lastNanos() {
        return lastNanos;
    }

    long expected() {
        return expected;
    }

    /** How many pieces the bytes came in: WebSocket messages, or reads of a terminal or pipe. */
    long chunks() {
        return chunks;
    }

    long received() {
        return received;
    }

    long startNanos() {
        return startNanos;
    }
}
