package dev.tether.pty;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The last {@link #capacity()} bytes of a terminal's output, addressed by absolute stream offset:
 * {@link #head()} is the number of bytes ever written, {@link #tail()} the oldest offset still
 * held. One thread appends ({@link Fanout}'s, on the I/O loop); {@link OutputRing} keeps the bytes
 * on the heap, {@link SharedRing} in a mapped file that outlives the process.
 */
interface Ring {

    /** The most bytes the ring keeps. */
    int capacity();

    /** The stream offset of the next byte: bytes ever written. */
    long head();

    /** The oldest offset the ring still holds; {@code head() - tail() <= capacity()}. */
    long tail();

    /** Appends {@code length} bytes of {@code source}; only the last {@link #capacity()} of them survive. */
    void append(MemorySegment source, int length);

    /**
     * The bytes from stream offset {@code from} (from {@link #tail()} to {@link #head()}) up to
     * {@code max} bytes, stopping at {@link #head()} and at the physical end of the storage. The
     * buffer is read-only, shared, and valid until the next call.
     *
     * @throws IllegalArgumentException when {@code from} is outside [tail, head]
     */
    ByteBuffer slice(long from, int max);

    /** Bytes of memory the ring holds now (heap, or the mapped pages it has touched). */
    long allocated();
}
