package dev.tether.server;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * One server per data directory: an exclusive lock on {@code <data-dir>/serve.lock}, which holds the
 * owner's pid and URL so that a second server can say whom it met. The kernel drops the lock when
 * the process dies, so a crashed run never blocks the next one; the file itself stays (it is only
 * the lock's anchor; a failed start leaves it empty).
 *
 * <p>The kernel's record locks belong to the process, and closing any descriptor of the file drops
 * them all; so within one JVM (tests, embedding) the held directories are also kept in {@link #HELD}
 * and a second server here is refused without ever opening the file.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = "serve.lock";

    private static final java.util.Map<Path, DataDirLock> HELD = new java.util.HashMap<>();

    private final Path key;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private volatile String holder = "pid " + ProcessHandle.current().pid() + ", not listening yet";

    private DataDirLock(Path key, Path file, FileChannel channel, FileLock lock) {
        this.key = key;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or fails with CONFLICT naming the server that holds it; changes nothing then. */
    static synchronized DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Path key = dataDir.toRealPath();
            DataDirLock here = HELD.get(key);
            if (here != null) {
                throw inUse(dataDir, here.holder);
            }
            // The mode applies only when the file is created; an existing one keeps its own.
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw inUse(dataDir, holder);
            }
            var owned = new DataDirLock(key, file, channel, lock);
            owned.write("pid=" + ProcessHandle.current().pid() + "\n");
            HELD.put(key, owned);
            return owned;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot lock the data directory " + dataDir + " (" + file + "): " + e.getMessage());
        }
    }

    private static TetherException inUse(Path dataDir, String holder) {
        return new TetherException(ResultCode.CONFLICT, "the data directory " + dataDir + " is in use by another Tether server ("
                + holder + "); stop it first, or give this one another --data-dir");
    }

    /** Records where this server listens, for the message a second server gives. */
    void announce(java.net.URI url) {
        try {
            write("pid=" + ProcessHandle.current().pid() + "\nurl=" + url + "\n");
            holder = "pid " + ProcessHandle.current().pid() + ", " + url;
        } catch (IOException e) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot write " + file + ": " + e.getMessage());
        }
    }

    /**
     * Undoes a failed start: empties the file and lets go. The file is not deleted: another start may
     * have it open already, waiting to lock it, and would then hold a lock on a file nobody else can
     * find while a third start creates and locks a new one (two servers on one data directory).
     */
    void abandon() {
        try {
            channel.truncate(0);
        } catch (IOException e) {
            // the pid and URL of a process that is gone are harmless: they are read only while locked
        }
        close();
    }

    /** Lets go of the lock; the file stays, so no other process can be locking a file about to vanish. */
    @Override
    public void close() {
        synchronized (DataDirLock.class) { // one acquire or close at a time: Java's own lock table is per JVM
            try {
                lock.release();
            } catch (IOException e) {
                // closing the channel below releases it as well
            }
            closeQuietly(channel);
            HELD.remove(key, this);
        }
    }

    private void write(String content) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    /** "pid N, URL" from the holder's file, as far as it has written it. */
    private static String holder(FileChannel channel) throws IOException {
        var buffer = ByteBuffer.allocate(4096);
        while (channel.read(buffer, buffer.position()) > 0 && buffer.hasRemaining()) {
            // read it all
        }
        var properties = new Properties();
        properties.load(new java.io.StringReader(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)));
        String pid = properties.getProperty("pid", "unknown");
        String url = properties.getProperty("url", "not listening yet");
        return "pid " + pid + ", " + url;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to undo
            }
        }
    }
}
