package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;

/**
 * A {@link Ring} in a memory-mapped file, so a session's output outlives the process that wrote
 * it: the keeper drains a master into it while no server runs, and a restarted server maps it
 * again and replays from it.
 *
 * <p><b>The file</b>: a 64-byte header, then {@code capacity} data bytes; stream offset
 * {@code o} is at data index {@code o % capacity}, file position {@code 64 + o % capacity}. The
 * header, in the machine's byte order (the file never leaves its machine):
 * <pre>
 *  0  magic "TETHRING"       8 bytes, written last by {@link #create}: a half-made file has none
 *  8  format version          int, {@value #VERSION}
 * 12  capacity                int, data bytes
 * 16  session id              long
 * 24  head                    long, bytes ever written: the offset of the next byte
 * 32  tail                    long, offsets below it may have been overwritten; the ring holds
 *                             [min(tail, head), head)
 * 40  reserved                24 bytes, zero (for the keeper's hand-over, e.g. a writer generation)
 * </pre>
 * Data begins in the header's page, so a session that printed a prompt costs one page (4 KiB),
 * not two; the file is sparse and untouched pages cost nothing.
 *
 * <p><b>Publish order</b>, so that whatever moment the writer dies at (kill -9) and whenever
 * another mapping looks, {@code head - capacity <= tail} and every byte in [min(tail, head),
 * head) is the one written at its offset: an append first raises the tail past the offsets it is
 * about to overwrite, then writes the data bytes, then publishes the new head with release
 * semantics (see {@link #append}). A reader that reads head {@code h} (acquire) sees every byte below
 * {@code h}; bytes beyond the head are ignored. A reader in another mapping that copies bytes
 * while the writer goes on checks {@link #tail()} after the copy: the bytes it copied from
 * offsets at or above that tail were not overwritten meanwhile.
 *
 * <p><b>Threads</b>: one thread appends and slices, as with {@link OutputRing} (the I/O loop); no
 * lock is taken. The mapping's arena is shared, so the ring may be made on one thread and used
 * on another; {@link #close()} belongs after the last append or slice (a closed ring throws
 * {@link IllegalStateException}). Other processes may map the same file at the same time, to
 * read; one writer at a time is the keeper's and the server's hand-over to keep.
 */
public final class SharedRing implements Ring, AutoCloseable {
    /** Bytes of header before the data. */
    public static final int HEADER_BYTES = 64;
    static final int VERSION = 1;
    private static final byte[] MAGIC = "TETHRING".getBytes(StandardCharsets.US_ASCII);
    private static final long VERSION_AT = 8;
    private static final long CAPACITY_AT = 12;
    private static final long SESSION_AT = 16;
    private static final long HEAD_AT = 24;
    private static final long TAIL_AT = 32;
    /** A head this large cannot come from a terminal (2^62 bytes), only from a damaged file; it also keeps head + length from overflowing. */
    private static final long MAX_HEAD = 1L << 62;
    private static final int PAGE = 4096;
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    private final Path file;
    private final Arena arena;
    private final MemorySegment header;
    private final MemorySegment data;
    private final int capacity;
    private final long sessionId;
    /** One reusable read-only window on {@link #data}, made at the first slice; its position and limit are set per slice. */
    private ByteBuffer window;
    private boolean closed;

    private SharedRing(Path file, Arena arena, MemorySegment mapped, int capacity, long sessionId) {
        this.file = file;
        this.arena = arena;
        this.header = mapped.asSlice(0, HEADER_BYTES);
        this.data = mapped.asSlice(HEADER_BYTES, capacity);
        this.capacity = capacity;
        this.sessionId = sessionId;
    }

    /**
     * Creates the ring file for a session, owner-only (0600), empty. Refuses a file that exists
     * already, whatever it holds: a ring is never silently reset.
     */
    public static SharedRing create(Path file, long sessionId, int capacity) throws IOException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("cannot create the ring " + file + ": capacity " + capacity + " is not positive");
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null,
                    "cannot create a ring there: the file exists already (open it to keep its output, or delete it first)");
        }
        try {
            return format(file, sessionId, capacity);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * Makes a ring in an empty file that exists already: a memfd the keeper made, opened as
     * {@code /proc/self/fd/N}. A file that is not empty is refused: a ring is never silently reset.
     */
    public static SharedRing format(Path file, long sessionId, int capacity) throws IOException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("cannot create the ring " + file + ": capacity " + capacity + " is not positive");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.size() != 0) {
                throw new IOException("cannot make a ring in " + file + ": it holds " + channel.size() + " bytes already");
            }
            // map extends the file with ftruncate: sparse, no page is touched until written
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES + (long) capacity, arena);
            mapped.set(JAVA_INT, VERSION_AT, VERSION);
            mapped.set(JAVA_INT, CAPACITY_AT, capacity);
            mapped.set(JAVA_LONG, SESSION_AT, sessionId);
            VarHandle.storeStoreFence(); // the magic last: a file without it was never finished
            MemorySegment.copy(MAGIC, 0, mapped, JAVA_BYTE, 0, MAGIC.length);
            return new SharedRing(file, arena, mapped, capacity, sessionId);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Maps an existing ring file again (after a restart, or a second mapping in another process)
     * with its head, tail and bytes. A file that is not a whole, sane ring is refused with an
     * IOException naming the file and what is wrong with it.
     */
    public static SharedRing open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size < HEADER_BYTES) {
                throw corrupt(file, "it holds " + size + " bytes, fewer than the " + HEADER_BYTES + "-byte header");
            }
            ByteBuffer bytes = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.nativeOrder());
            while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) >= 0) {
                // a regular file of this size reads whole; the loop only covers short reads
            }
            int capacity = checkedCapacity(file, bytes, size);
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            SharedRing ring = new SharedRing(file, arena, mapped, capacity, mapped.get(JAVA_LONG, SESSION_AT));
            ring.checkOffsets();
            return ring;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static int checkedCapacity(Path file, ByteBuffer header, long size) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        header.get(0, magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw corrupt(file, "its first 8 bytes are " + HexFormat.ofDelimiter(" ").formatHex(magic) + ", not the magic TETHRING");
        }
        int version = header.getInt((int) VERSION_AT);
        if (version != VERSION) {
            throw corrupt(file, "its format version is " + version + ", and this build reads version " + VERSION);
        }
        int capacity = header.getInt((int) CAPACITY_AT);
        if (capacity <= 0 || HEADER_BYTES + (long) capacity != size) {
            throw corrupt(file, "its header says capacity " + capacity + ", but the file holds " + (size - HEADER_BYTES)
                    + " bytes after the header");
        }
        return capacity;
    }

    private void checkOffsets() throws IOException {
        long head = head();
        long tail = storedTail();
        if (head < 0 || head > MAX_HEAD) {
            throw corrupt(file, "its head " + head + " is impossible (bytes ever written: from 0 to 2^62)");
        }
        // a writer that died in an append longer than the capacity leaves the tail up to 2^31 past the head
        if (tail < 0 || head - tail > capacity || tail - head > Integer.MAX_VALUE) {
            throw corrupt(file, "its tail " + tail + " does not fit its head " + head + " and capacity " + capacity
                    + " (head - capacity <= tail <= head + 2^31)");
        }
    }

    private static IOException corrupt(Path file, String what) {
        return new IOException("the ring file " + file + " is not a usable Tether ring: " + what);
    }

    /** The file behind the ring. */
    public Path file() {
        return file;
    }

    /** The session whose output this is, as written at {@link #create}. */
    public long sessionId() {
        return sessionId;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** The published head (acquire): every byte below it is visible to this mapping. */
    @Override
    public long head() {
        return (long) LONG.getAcquire(header, HEAD_AT);
    }

    /**
     * The oldest offset still held: the stored tail, or the head while an append longer than the
     * capacity is under way. Read after (not before) the bytes this thread copied out of the ring.
     */
    @Override
    public long tail() {
        VarHandle.loadLoadFence();
        return Math.min(storedTail(), head());
    }

    private long storedTail() {
        return (long) LONG.getAcquire(header, TAIL_AT);
    }

    /**
     * Raises the tail past every offset whose byte this append overwrites, then writes the bytes,
     * then publishes the head. An append longer than the capacity overwrites every byte: its tail
     * ({@code newHead - capacity}) is past the old head, and the ring reads empty until the new
     * head is out. The first append after a writer died in such an append brings the tail back
     * down to the head it left: the ring was empty, and its bytes from there on are new.
     */
    @Override
    public void append(MemorySegment source, int length) {
        long head = header.get(JAVA_LONG, HEAD_AT); // one writer: its own last stores
        long stored = header.get(JAVA_LONG, TAIL_AT);
        long newHead = head + length;
        long tail = Math.max(Math.min(stored, head), newHead - capacity);
        if (tail != stored) {
            LONG.setOpaque(header, TAIL_AT, tail);
            VarHandle.storeStoreFence(); // the tail moves before the bytes it gives up are overwritten
        }
        int kept = Math.min(length, capacity);
        write(source, length - kept, newHead - kept, kept);
        LONG.setRelease(header, HEAD_AT, newHead);
    }

    /** Copies {@code length} (at most capacity) bytes from {@code source[from]} to the data at stream offset {@code at}. */
    private void write(MemorySegment source, long from, long at, int length) {
        int index = (int) (at % capacity);
        int first = Math.min(length, capacity - index);
        MemorySegment.copy(source, from, data, index, first);
        if (first < length) {
            MemorySegment.copy(source, from + first, data, 0, length - first);
        }
    }

    /** {@inheritDoc} The physical end is the end of the file. */
    @Override
    public ByteBuffer slice(long from, int max) {
        long head = head();
        long tail = Math.min(storedTail(), head);
        if (from < tail || from > head) {
            throw new IllegalArgumentException("offset " + from + " is outside the ring [" + tail + ", " + head + ") of " + file);
        }
        if (window == null) {
            window = data.asByteBuffer().asReadOnlyBuffer();
        }
        int at = (int) (from % capacity);
        int n = (int) Math.min(Math.min(head - from, max), capacity - at);
        window.clear().position(at).limit(at + n);
        return window;
    }

    /** The pages of the file the output has reached (the header's included): what the ring costs in memory once written. */
    @Override
    public long allocated() {
        long reached = HEADER_BYTES + Math.min(head(), capacity);
        return (reached + PAGE - 1) / PAGE * PAGE;
    }

    /** Unmaps the ring; the file and its bytes stay. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    /** Unmaps the ring and deletes its file: the session is over and nobody will replay it. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public String toString() {
        return "ring " + file + " of session " + sessionId;
    }
}
