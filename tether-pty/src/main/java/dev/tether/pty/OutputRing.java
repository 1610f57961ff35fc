package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A {@link Ring} on the heap, for the life of the server's process. Confined to the I/O loop.
 *
 * <p>The array starts small and doubles up to the capacity as output arrives: an idle shell
 * writes a prompt, not 256 KiB, and ten thousand of them should not cost gigabytes. Until the
 * array has its full size the stream has not wrapped, so offset {@code o} is at index {@code o}.
 */
final class OutputRing implements Ring {
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

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long head() {
        return head;
    }

    @Override
    public long tail() {
        return Math.max(0, head - capacity);
    }

    @Override
    public void append(MemorySegment source, int length) {
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

    /** {@inheritDoc} The physical end is the array's, which is shorter than the capacity until it has grown. */
    @Override
    public ByteBuffer slice(long from, int max) {
        if (from < tail() || from > head) {
            throw new IllegalArgumentException("offset " + from + " is outside the ring [" + tail() + ", " + head + ")");
        }
        int at = (int) (from % capacity);
        int n = (int) Math.min(Math.min(head - from, max), bytes.length - at);
        window.clear().position(at).limit(at + n);
        return window;
    }

    /** Bytes of heap the ring's array holds now. */
    @Override
    public long allocated() {
        return bytes.length;
    }
}
