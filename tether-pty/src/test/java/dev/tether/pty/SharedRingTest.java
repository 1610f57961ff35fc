package dev.tether.pty;

import static dev.tether.pty.RingWriter.appendPattern;
import static dev.tether.pty.RingWriter.pattern;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ring in a mapped file: OutputRing's behaviour, kept across mappings, processes and kill -9; damaged files refused. */
class SharedRingTest {
    @TempDir
    Path dir;

    private static byte[] read(Ring ring, long from, int maxSlice) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long at = from; at < ring.head(); ) {
            ByteBuffer slice = ring.slice(at, maxSlice);
            assertThat(slice.remaining()).isPositive().isLessThanOrEqualTo(maxSlice);
            assertThat(slice.isReadOnly()).isTrue();
            at += slice.remaining();
            byte[] chunk = new byte[slice.remaining()];
            slice.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
        return out.toByteArray();
    }

    private static void assertHoldsThePattern(Ring ring) {
        byte[] bytes = read(ring, ring.tail(), 4096);
        for (int i = 0; i < bytes.length; i++) {
            long offset = ring.tail() + i;
            if (bytes[i] != pattern(offset)) {
                throw new AssertionError("byte at offset " + offset + " is " + bytes[i] + ", not " + pattern(offset)
                        + " (ring [" + ring.tail() + ", " + ring.head() + "))");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 100, 4032, 4096, 10_000, 65_536})
    void randomAppendsLeaveTheSameBytesAsTheHeapRing(int capacity) throws IOException {
        SplittableRandom random = new SplittableRandom(capacity);
        OutputRing oracle = new OutputRing(capacity);
        try (SharedRing ring = SharedRing.create(dir.resolve("ring"), 42, capacity); Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(3L * capacity + 10);
            for (int round = 0; round < 400; round++) {
                int length = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(8);
                    case 1 -> random.nextInt(capacity + 1);
                    case 2 -> capacity + random.nextInt(2 * capacity + 10);
                    default -> 1 + random.nextInt(Math.max(1, capacity / 10));
                };
                for (int i = 0; i < length; i++) {
                    source.set(JAVA_BYTE, i, (byte) random.nextInt());
                }
                oracle.append(source, length);
                ring.append(source, length);
                assertThat(ring.head()).isEqualTo(oracle.head());
                assertThat(ring.tail()).isEqualTo(oracle.tail());
                int maxSlice = 1 + random.nextInt(capacity + 1);
                assertThat(read(ring, ring.tail(), maxSlice)).isEqualTo(read(oracle, oracle.tail(), maxSlice));
                long from = ring.tail() + random.nextLong(ring.head() - ring.tail() + 1);
                assertThat(read(ring, from, maxSlice)).isEqualTo(read(oracle, from, capacity));
            }
        }
    }

    @Test
    void anOffsetTheRingNoLongerHoldsIsRefusedAndTheHeadGivesAnEmptySlice() throws IOException {
        try (SharedRing ring = SharedRing.create(dir.resolve("ring"), 1, 1024); Arena arena = Arena.ofConfined()) {
            ring.append(arena.allocate(3000), 3000);
            assertThatThrownBy(() -> ring.slice(ring.tail() - 1, 10)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset 1975 is outside the ring [1976, 3000)");
            assertThatThrownBy(() -> ring.slice(ring.head() + 1, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThat(ring.slice(ring.head(), 10).remaining()).isZero();
        }
    }

    @Test
    void aReopenedRingKeepsItsSessionItsHeadAndItsLastBytes() throws IOException {
        Path file = dir.resolve("ring");
        try (SharedRing ring = SharedRing.create(file, 77, 5000); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4000);
            for (int i = 0; i < 10; i++) {
                appendPattern(ring, buffer, 1234);
            }
        }
        try (SharedRing ring = SharedRing.open(file); Arena arena = Arena.ofConfined()) {
            assertThat(ring.sessionId()).isEqualTo(77);
            assertThat(ring.capacity()).isEqualTo(5000);
            assertThat(ring.head()).isEqualTo(12_340);
            assertThat(ring.tail()).isEqualTo(12_340 - 5000);
            assertHoldsThePattern(ring);
            appendPattern(ring, arena.allocate(4000), 3000); // and it goes on where it stopped
            assertThat(ring.head()).isEqualTo(15_340);
            assertHoldsThePattern(ring);
        }
    }

    @Test
    void aSecondMappingSeesTheFirstOnesAppends() throws IOException {
        Path file = dir.resolve("ring");
        try (SharedRing writer = SharedRing.create(file, 5, 8192); SharedRing reader = SharedRing.open(file);
                Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8192);
            appendPattern(writer, buffer, 100);
            assertThat(reader.head()).isEqualTo(100);
            assertHoldsThePattern(reader);
            appendPattern(writer, buffer, 8192);
            assertThat(reader.tail()).isEqualTo(100);
            assertHoldsThePattern(reader);
        }
    }

    /**
     * One thread appends the pattern, wrapping a small ring thousands of times; another reads
     * through a second mapping meanwhile. The head it reads never covers a byte not yet written,
     * and what it copied at or above the tail it reads after the copy is what was written there.
     */
    @Test
    void aReaderOfAnotherMappingNeverSeesAByteTheHeadDoesNotCover() throws Exception {
        Path file = dir.resolve("ring");
        int capacity = 4096;
        long total = 64L * 1024 * 1024;
        AtomicBoolean done = new AtomicBoolean();
        try (SharedRing writer = SharedRing.create(file, 9, capacity); SharedRing reader = SharedRing.open(file)) {
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                SplittableRandom random = new SplittableRandom(9);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(3L * capacity);
                    while (writer.head() < total) {
                        appendPattern(writer, buffer, 1 + random.nextInt(random.nextBoolean() ? 64 : 3 * capacity));
                    }
                } finally {
                    done.set(true);
                }
            });
            long checked = 0;
            long reads = 0;
            byte[] copy = new byte[capacity];
            while (!done.get()) {
                long from = reader.tail();
                ByteBuffer slice;
                try {
                    slice = reader.slice(from, capacity);
                } catch (IllegalArgumentException passed) {
                    continue; // the writer raised the tail between the two reads
                }
                int n = slice.remaining();
                slice.get(copy, 0, n);
                long valid = reader.tail(); // after the copy: bytes from here on were not overwritten meanwhile
                for (long offset = Math.max(from, valid); offset < from + n; offset++) {
                    int i = (int) (offset - from);
                    if (copy[i] != pattern(offset)) {
                        throw new AssertionError("offset " + offset + " read " + copy[i] + ", written " + pattern(offset));
                    }
                    checked++;
                }
                reads++;
            }
            writing.get();
            System.out.printf("second mapping: %d reads, %d bytes checked while %d were written%n", reads, checked, total);
            assertThat(checked).isPositive();
        }
    }

    /** A real other process, killed with SIGKILL while it appends: whatever the moment, the head it left covers only its bytes. */
    @Test
    void aWriterKilledMidAppendLeavesEveryByteBelowItsHeadAsWritten() throws Exception {
        Path file = dir.resolve("ring");
        int capacity = 64 * 1024;
        SharedRing.create(file, 3, capacity).close();
        for (int seed = 1; seed <= 3; seed++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", ChildJvm.classPath(), RingWriter.class.getName(), file.toString(), Integer.toString(seed))
                    .redirectErrorStream(true).start();
            try (SharedRing watch = SharedRing.open(file);
                    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).isEqualTo("appending");
                long before = watch.head();
                await().atMost(Duration.ofSeconds(30)).until(() -> watch.head() > before + 50L * capacity);
                child.destroyForcibly();
                assertThat(child.waitFor()).isEqualTo(137);
            }
            try (SharedRing ring = SharedRing.open(file)) {
                // an append cut short leaves its tail raised: fewer bytes than the capacity, every one as written
                System.out.printf("writer %d killed: head %d, tail %d%n", seed, ring.head(), ring.tail());
                assertThat(ring.head()).isGreaterThan(50L * capacity * seed);
                assertThat(ring.head() - ring.tail()).isBetween(0L, (long) capacity);
                assertHoldsThePattern(ring);
            }
        }
    }

    @Test
    void creatingARingOverAnExistingFileIsRefusedAndLeavesItAlone() throws IOException {
        Path file = dir.resolve("ring");
        Files.writeString(file, "somebody else's");
        assertThatThrownBy(() -> SharedRing.create(file, 1, 1024)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessage(file + ": cannot create a ring there: the file exists already (open it to keep its output, or delete it first)");
        assertThat(Files.readString(file)).isEqualTo("somebody else's");
    }

    @Test
    void aRingFileIsTheOwnersOnlyAndDeleteRemovesIt() throws IOException {
        Path file = dir.resolve("ring");
        SharedRing ring = SharedRing.create(file, 1, 1024);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.size(file)).isEqualTo(SharedRing.HEADER_BYTES + 1024);
        ring.delete();
        assertThat(file).doesNotExist();
        assertThatThrownBy(ring::head).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPromptCostsOnePageHeaderIncluded() throws IOException {
        try (SharedRing ring = SharedRing.create(dir.resolve("ring"), 1, 256 * 1024); Arena arena = Arena.ofConfined()) {
            ring.append(arena.allocate(100), 100);
            assertThat(ring.allocated()).isEqualTo(4096);
            ring.append(arena.allocate(5000), 5000);
            assertThat(ring.allocated()).isEqualTo(8192);
        }
    }

    // Damaged files: each refused with its sentence, naming the file.

    private Path ringPatched(long at, int value) throws IOException {
        return ringPatched(at, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value));
    }

    private Path ringPatched(long at, long value) throws IOException {
        return ringPatched(at, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value));
    }

    /** A ring of capacity 1024 with 3000 bytes written, then {@code bytes} written over its file at {@code at}. */
    private Path ringPatched(long at, ByteBuffer bytes) throws IOException {
        Path file = dir.resolve("ring");
        try (SharedRing ring = SharedRing.create(file, 1, 1024); Arena arena = Arena.ofConfined()) {
            ring.append(arena.allocate(3000), 3000);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(bytes, at);
        }
        return file;
    }

    private void assertRefused(Path file, String what) {
        assertThatThrownBy(() -> SharedRing.open(file)).isInstanceOf(IOException.class)
                .hasMessage("the ring file " + file + " is not a usable Tether ring: " + what);
    }

    @Test
    void aFileWithoutTheMagicIsRefused() throws IOException {
        assertRefused(ringPatched(0, ByteBuffer.wrap("NOTARING".getBytes(StandardCharsets.US_ASCII))),
                "its first 8 bytes are 4e 4f 54 41 52 49 4e 47, not the magic TETHRING");
    }

    @Test
    void aFileOfAnotherFormatVersionIsRefused() throws IOException {
        assertRefused(ringPatched(8, 2), "its format version is 2, and this build reads version 1");
    }

    @Test
    void aCapacityBiggerThanTheFileIsRefused() throws IOException {
        assertRefused(ringPatched(12, 1 << 20), "its header says capacity 1048576, but the file holds 1024 bytes after the header");
    }

    @Test
    void aNegativeHeadIsRefused() throws IOException {
        assertRefused(ringPatched(24, -5L), "its head -5 is impossible (bytes ever written: from 0 to 2^62)");
    }

    @Test
    void aHeadMoreThanTheCapacityPastTheTailIsRefused() throws IOException {
        assertRefused(ringPatched(24, 1L << 40),
                "its tail 1976 does not fit its head 1099511627776 and capacity 1024 (head - capacity <= tail <= head + 2^31)");
    }

    @Test
    void aTailFarBeyondTheHeadIsRefused() throws IOException {
        assertRefused(ringPatched(32, 1L << 40),
                "its tail 1099511627776 does not fit its head 3000 and capacity 1024 (head - capacity <= tail <= head + 2^31)");
    }

    /**
     * Regression: an append longer than the capacity published its head before its tail, so for a
     * moment the ring claimed more than its capacity and a reader of another mapping read, as
     * offset h, the byte of h + capacity ("offset 1206276 read 8, written -111" in
     * {@link #aReaderOfAnotherMappingNeverSeesAByteTheHeadDoesNotCover}). Now the tail goes first,
     * past the old head: the ring reads empty until the new head is out, and a writer killed there
     * leaves a ring that reads empty and fills again from its head.
     */
    @Test
    void aRingCaughtInAnAppendLongerThanItsCapacityReadsEmptyAndFillsAgain() throws IOException {
        Path file = ringPatched(32, 3000L + 5000 - 1024); // the tail a 5000-byte append raises first
        try (SharedRing ring = SharedRing.open(file); Arena arena = Arena.ofConfined()) {
            assertThat(ring.head()).isEqualTo(3000);
            assertThat(ring.tail()).isEqualTo(3000);
            assertThat(ring.slice(3000, 100).remaining()).isZero();
            appendPattern(ring, arena.allocate(100), 100);
            assertThat(ring.tail()).isEqualTo(3000);
            assertThat(ring.head()).isEqualTo(3100);
            assertHoldsThePattern(ring);
        }
    }

    @Test
    void aFileShorterThanTheHeaderIsRefused() throws IOException {
        Path file = dir.resolve("ring");
        Files.write(file, new byte[10]);
        assertRefused(file, "it holds 10 bytes, fewer than the 64-byte header");
    }

    @Test
    void aHalfMadeFileIsRefusedAsNotARing() throws IOException {
        Path file = dir.resolve("ring");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(SharedRing.HEADER_BYTES).order(ByteOrder.nativeOrder());
            header.putInt(8, 1).putInt(12, 1024); // what create writes before the magic
            channel.write(header, 0);
            channel.truncate(SharedRing.HEADER_BYTES + 1024);
            channel.write(ByteBuffer.allocate(1), SharedRing.HEADER_BYTES + 1023);
        }
        assertRefused(file, "its first 8 bytes are 00 00 00 00 00 00 00 00, not the magic TETHRING");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nothing");
        assertThatThrownBy(() -> SharedRing.open(file)).isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessage(file.toString());
    }
}
