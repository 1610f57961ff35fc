package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an idle session's ring costs: 1,000 rings that each hold a 100-byte prompt, in tmpfs
 * ({@code /dev/shm}), against 1,000 heap rings. Prints the numbers docs/performance.md quotes.
 */
class RingDensityTest {
    private static final int RINGS = 1000;
    private static final int CAPACITY = 256 * 1024;

    /** A "Name:   1234 kB" line of a /proc file, in bytes. */
    private static long kb(Path file, String name) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(line -> line.startsWith(name + ":")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).orElseThrow();
        }
    }

    private static long heapUsed() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aThousandIdleSharedRingsCostOnePageOfSharedMemoryEach() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs a writable /dev/shm");
        Path status = Path.of("/proc/self/status");
        Path meminfo = Path.of("/proc/meminfo");
        Path dir = Files.createTempDirectory(shm, "tether-ring-density");
        List<SharedRing> shared = new ArrayList<>(RINGS);
        List<OutputRing> heap = new ArrayList<>(RINGS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment prompt = arena.allocate(100);
            long heapBefore = heapUsed();
            long rss = kb(status, "RssShmem");
            long pte = kb(status, "VmPTE");
            long shmem = kb(meminfo, "Shmem");
            for (int i = 0; i < RINGS; i++) {
                SharedRing ring = SharedRing.create(dir.resolve("ring-" + i), i, CAPACITY);
                ring.append(prompt, 100);
                shared.add(ring);
            }
            long rssPerRing = (kb(status, "RssShmem") - rss) / RINGS;
            long ptePerRing = (kb(status, "VmPTE") - pte) / RINGS;
            long shmemPerRing = (kb(meminfo, "Shmem") - shmem) / RINGS;
            long sharedHeapPerRing = (heapUsed() - heapBefore) / RINGS;

            long heapBetween = heapUsed();
            for (int i = 0; i < RINGS; i++) {
                OutputRing ring = new OutputRing(CAPACITY);
                ring.append(prompt, 100);
                heap.add(ring);
            }
            long outputHeapPerRing = (heapUsed() - heapBetween) / RINGS;
            System.out.printf("per idle ring (%d rings of %d KiB, 100-byte prompt): SharedRing RssShmem %d B, /proc/meminfo Shmem %d B"
                    + " (system-wide), page tables %d B, Java heap %d B; OutputRing Java heap %d B%n",
                    RINGS, CAPACITY / 1024, rssPerRing, shmemPerRing, ptePerRing, sharedHeapPerRing, outputHeapPerRing);
            assertThat(rssPerRing).isBetween(4096L, 4196L); // the header's page, which holds the prompt too
            assertThat(shared.getFirst().allocated()).isEqualTo(4096);
            assertThat(heap.size()).isEqualTo(RINGS);
        } finally {
            for (SharedRing ring : shared) {
                ring.delete();
            }
            Files.delete(dir);
        }
    }
}
