package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The last {@code capacity} bytes of a terminal's output, addressed by absolute stream offset:
 * {@link #head()} is the number of bytes ever written, {@link #tail()} the oldest offset still
 * held. Confined to the I/O loop.
 */
final class OutputRing {
    private final byte[] bytes;
    /** One reusable read-only window on {@link #bytes}; its position and limit are set per slice. */
    private final ByteBuffer window;
    private long head;

    OutputRing(int capacity) {
        this.bytes = new byte[capacity];
        this.window = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    int capacity() {
        return bytes.length;
    }

    long head() {
        return head;
    }

    long tail() {
        return Math.max(0, head - bytes.length);
    }

    /** Appends {@code length} bytes of {@code source}; only the last {@link #capacity()} of them survive. */
    void append(MemorySegment source, int length) {
        int capacity = bytes.length;
        long skip = Math.max(0, length - capacity);
        head += skip;
        int remaining = (int) (length - skip);
        long from = skip;
        while (remaining > 0) {
            int at = (int) (head % capacity);
            int n = Math.min(remaining, capacity - at);
            MemorySegment.copy(source, JAVA_BYTE, from, bytes, at, n);
            head += n;
            from += n;
            remaining -= n;
        }
    }

    /**
     * The bytes from stream offset {@code from} (at least {@link #tail()}) up to {@code max}
     * bytes, stopping at {@link #head()} and at the physical end of the array. The buffer is
     * shared and valid until the next call.
     */
    ByteBuffer slice(long from, int max) {
        if (from < tail() || from > head) {
            throw new IllegalArgumentException("offset " + from + " is outside the ring [" + tail() + ", " + head + ")");
        }
        int at = (int) (from % bytes.length);
        int n = (int) Math.min(Math.min(head - from, max), bytes.length - at);
        window.clear().position(at).limit(at + n);
        return window;
    }
}
