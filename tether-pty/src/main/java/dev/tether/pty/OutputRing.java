package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The last {@code capacity} bytes of a terminal's output, addressed by absolute stream offset:
 * {@link #head()} is the number of bytes ever written, {@link #tail()} the oldest offset still
 * held. Confined to the I/O loop.
 *
 * <p>The array starts small and doubles up to the capacity as output arrives: an idle shell
 * writes a prompt, not 256 KiB, and ten thousand of them should not cost gigabytes. Until the
 * array has its full size the stream has not wrapped, so offset {@code o} is at index {@code o}.
 */
final class OutputRing {
    private static final int INITIAL_BYTES = 512; // a prompt fits; 10,000 idle sessions hold 5 MB, not 40

    private final int capacity;
    private byte[] bytes;
    /** One reusable read-only window on {@link #bytes}; its position and limit are set per slice. */
    private ByteBuffer window;
    private long head;

    OutputRing(int capacity) {
        this.capacity = capacity;
        this.bytes = new byte[Math.min(capacity, INITIAL_BYTES)];
        this.window = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** The most bytes the ring keeps. */
    int capacity() {
        return capacity;
    }

    long head() {
        return head;
    }

    long tail() {
        return Math.max(0, head - capacity);
    }

    /** Appends {@code length} bytes of {@code source}; only the last {@link #capacity()} of them survive. */
    void append(MemorySegment source, int length) {
        long skip = Math.max(0, length - capacity);
        head += skip;
        int remaining = (int) (length - skip);
        if (bytes.length < capacity && head + remaining > bytes.length) {
            grow(head + remaining);
        }
        long from = skip;
        while (remaining > 0) {
            int at = (int) (head % capacity);
            int n = Math.min(remaining, bytes.length - at);
            MemorySegment.copy(source, JAVA_BYTE, from, bytes, at, n);
            head += n;
            from += n;
            remaining -= n;
        }
    }

    private void grow(long needed) {
        int size = bytes.length;
        while (size < needed && size < capacity) {
            size = (int) Math.min(capacity, 2L * size);
        }
        bytes = Arrays.copyOf(bytes, size);
        window = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
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
        int at = (int) (from % capacity);
        int n = (int) Math.min(Math.min(head - from, max), bytes.length - at);
        window.clear().position(at).limit(at + n);
        return window;
    }

    /** Bytes of heap the ring holds now. */
    int allocated() {
        return bytes.length;
    }
}
