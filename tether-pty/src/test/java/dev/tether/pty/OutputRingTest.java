package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ring keeps exactly the last capacity bytes, addressed by absolute stream offsets. */
class OutputRingTest {

    private static byte[] stream(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 7);
        }
        return bytes;
    }

    private static byte[] read(OutputRing ring, long from, int maxSlice) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long at = from; at < ring.head(); ) {
            ByteBuffer slice = ring.slice(at, maxSlice);
            assertThat(slice.remaining()).isPositive().isLessThanOrEqualTo(maxSlice);
            at += slice.remaining();
            byte[] chunk = new byte[slice.remaining()];
            slice.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 5000, 20_000})
    void appendsOfEverySizeLeaveTheLastCapacityBytesInOrder(int capacity) {
        byte[] data = stream(50_000);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(data.length);
            int[] sizes = {1, 7, 1000, 1024, 3, 2500, 1, 999, 30_000};
            OutputRing ring = new OutputRing(capacity);
            int written = 0;
            for (int i = 0; written < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - written);
                MemorySegment.copy(data, written, source, JAVA_BYTE, 0, n);
                ring.append(source, n);
                written += n;
                assertThat(ring.head()).isEqualTo(written);
                assertThat(ring.tail()).isEqualTo(Math.max(0, written - capacity));
                assertThat(ring.allocated()).isLessThanOrEqualTo(capacity);
                assertThat(read(ring, ring.tail(), 100))
                        .isEqualTo(Arrays.copyOfRange(data, (int) ring.tail(), written));
            }
            assertThat(ring.allocated()).isEqualTo(capacity);
        }
    }

    @Test
    void aRingTakesMemoryOnlyAsOutputArrives() {
        OutputRing ring = new OutputRing(256 * 1024);
        try (Arena arena = Arena.ofConfined()) {
            ring.append(arena.allocate(100), 100);
            assertThat(ring.allocated()).isEqualTo(512);
            ring.append(arena.allocate(5000), 5000);
            assertThat(ring.allocated()).isEqualTo(8192);
        }
    }

    @Test
    void anOffsetTheRingNoLongerHoldsIsRefused() {
        OutputRing ring = new OutputRing(1024);
        try (Arena arena = Arena.ofConfined()) {
            ring.append(arena.allocate(3000), 3000);
        }
        assertThatThrownBy(() -> ring.slice(ring.tail() - 1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ring.slice(ring.head(), 10).remaining()).isZero();
    }
}
