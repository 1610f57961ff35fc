package dev.tether.pty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The other process of {@link SharedRingTest}: opens the ring file named by its argument and
 * appends {@link #pattern} in chunks of random size until it is killed, saying "appending" once
 * the first chunk is out.
 */
final class RingWriter {
    private RingWriter() {
    }

    /** The byte every writer of these tests puts at stream offset {@code offset}: differs from its neighbours a capacity away. */
    static byte pattern(long offset) {
        return (byte) ((offset * 0x9E3779B97F4A7C15L) >>> 56);
    }

    /** Appends the pattern's bytes [ring.head(), ring.head() + length) to the ring, through {@code buffer}. */
    static void appendPattern(Ring ring, MemorySegment buffer, int length) {
        long head = ring.head();
        for (int i = 0; i < length; i++) {
            buffer.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, pattern(head + i));
        }
        ring.append(buffer, length);
    }

    public static void main(String[] args) throws Exception {
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        try (SharedRing ring = SharedRing.open(Path.of(args[0])); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(3L * ring.capacity());
            appendPattern(ring, buffer, 1 + random.nextInt(ring.capacity()));
            System.out.println("appending");
            System.out.flush();
            while (true) {
                appendPattern(ring, buffer, 1 + random.nextInt(3 * ring.capacity()));
            }
        }
    }
}
