package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A UNIX stream socket that carries whole messages with file descriptors attached: the transport
 * between the keeper, which holds every PTY master and pidfd, and the server, which reads and
 * writes them (issue 10, DESIGN.md §8). java.nio's UNIX channels cannot pass fds, hence FFM.
 *
 * <p>Framing: a message is a 4-byte big-endian length, then that many bytes (at most
 * {@link #MAX_MESSAGE_BYTES}); its fds (at most {@link #MAX_FDS}, the kernel's SCM_MAX_FD) go as
 * one SCM_RIGHTS control message with its first byte. The receiver never asks the kernel for more
 * than the rest of the current message, so fds sent with the next message cannot be taken for
 * this one's. Received fds are close-on-exec and belong to the caller.
 *
 * <p>Threads: one sender and one receiver (or acceptor) at a time, each under its own lock.
 * {@link #close} shuts the socket down first, which wakes a blocked send, receive or accept,
 * then takes both locks before it closes the fd, so no call ever runs on a closed (or reused) fd
 * number. After an IOException from {@link #receive} other than a dropped-fds one, the stream is
 * out of step and every later receive fails; close the socket.
 */
public final class UnixSocket implements AutoCloseable {
    /** The largest message body, 1 MiB: the keeper's messages are small, and memory stays bounded. */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;
    /** The most fds one message carries (SCM_MAX_FD). */
    public static final int MAX_FDS = LibC.SCM_MAX_FD;

    /** CMSG_SPACE(253 * 4): room for the most fds one message can carry. */
    static final int CONTROL_BYTES = (int) cmsgSpace(MAX_FDS * 4L);
    private static final ValueLayout.OfInt INT_BE = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);
    private static final int BACKLOG = 16;

    /** The peer's process and account, fixed by the kernel when the connection was made (SO_PEERCRED). */
    public record Credentials(int pid, int uid, int gid) {
    }

    /** One message: its bytes and the fds that came with it, which the caller now owns and must close. */
    public record Received(byte[] message, int[] fds) {
    }

    private final int fd;
    private final String name;
    private final Credentials peer;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock receiveLock = new ReentrantLock();
    /** Guarded by {@code this}: set before the fd is shut down, so shutdownInput never touches a closed fd. */
    private boolean closed;
    /** Guarded by receiveLock: why the stream is out of step, or null. */
    private String broken;

    private UnixSocket(int fd, String name, Credentials peer) {
        this.fd = fd;
        this.name = name;
        this.peer = peer;
    }

    /**
     * Listens on a new socket file at {@code path}, mode 0600: the mode is set on the socket with
     * fchmod before bind, so the file never exists with a wider one (a process-wide umask would race
     * with other threads). A file already at {@code path} is an error: remove a stale one first.
     */
    public static UnixSocket listen(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path, "listen on");
            MemorySegment err = LibC.newErrno(arena);
            int fd = LibC.socket(err, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
            if (fd < 0) throw failure("cannot listen on " + path, -fd);
            int r = LibC.fchmod(err, fd, 0600);
            if (r == 0) r = LibC.bind(err, fd, address, (int) address.byteSize());
            if (r == 0) r = LibC.listen(err, fd, BACKLOG);
            if (r < 0) {
                LibC.close(fd);
                String hint = -r == LibC.EADDRINUSE ? " (a file is already there; remove a stale socket first)" : "";
                throw new IOException("cannot listen on " + path + ": " + LibC.strerror(-r) + hint);
            }
            return new UnixSocket(fd, path.toString(), null);
        }
    }

    /**
     * The listening socket {@code fd} on {@code path}, made by an earlier image of this process
     * (the keeper's re-exec keeps it open): peers that connected meanwhile wait in its backlog.
     */
    static UnixSocket adoptListener(int fd, Path path) {
        return new UnixSocket(fd, path.toString(), null);
    }

    /** Connects to the socket at {@code path}. */
    public static UnixSocket connect(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path, "connect to");
            MemorySegment err = LibC.newErrno(arena);
            int fd = LibC.socket(err, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
            if (fd < 0) throw failure("cannot connect to " + path, -fd);
            int r;
            do {
                r = LibC.connect(err, fd, address, (int) address.byteSize());
            } while (r == -LibC.EINTR);
            if (r < 0 && r != -LibC.EISCONN) { // EISCONN: a connect interrupted by a signal went through anyway
                LibC.close(fd);
                throw failure("cannot connect to " + path, -r);
            }
            try {
                return new UnixSocket(fd, path.toString(), credentials(arena, err, fd));
            } catch (IOException e) {
                LibC.close(fd);
                throw e;
            }
        }
    }

    /** Waits for the next peer and returns its connection. Fails once this socket is closed. */
    public UnixSocket accept() throws IOException {
        receiveLock.lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            while (true) {
                checkOpen();
                int r = LibC.accept4(err, fd, LibC.SOCK_CLOEXEC);
                if (r == -LibC.EINTR || r == -LibC.ECONNABORTED) continue;
                if (r < 0) {
                    checkOpen();
                    throw failure("cannot accept on " + name, -r);
                }
                Credentials who;
                try {
                    who = credentials(arena, err, r);
                } catch (IOException e) {
                    LibC.close(r);
                    throw e;
                }
                return new UnixSocket(r, "pid " + who.pid() + " on " + name, who);
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /** The connected peer's pid, uid and gid as the kernel saw them at connect time. */
    public Credentials peer() {
        if (peer == null) throw new IllegalStateException(name + " is a listening socket: it has no peer");
        return peer;
    }

    /**
     * Sends one message with {@code fds} attached (the caller keeps its own copies open or closes
     * them; the peer gets new ones). Blocks while the peer's buffer is full.
     *
     * @throws IllegalArgumentException for more than {@link #MAX_FDS} fds or {@link #MAX_MESSAGE_BYTES} bytes
     */
    public void send(byte[] message, int[] fds) throws IOException {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " fds go with one message (the kernel's SCM_MAX_FD); got "
                    + fds.length);
        }
        if (message.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("at most " + MAX_MESSAGE_BYTES + " bytes go in one message; got " + message.length);
        }
        byte[] framed = new byte[4 + message.length];
        framed[0] = (byte) (message.length >>> 24);
        framed[1] = (byte) (message.length >>> 16);
        framed[2] = (byte) (message.length >>> 8);
        framed[3] = (byte) message.length;
        System.arraycopy(message, 0, framed, 4, message.length);
        sendRaw(framed, fds);
    }

    /** Sends {@code bytes} as they are, with {@code fds} on the first byte: the framing is the caller's (tests forge frames with it). */
    void sendRaw(byte[] bytes, int[] fds) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            long total = bytes.length;
            MemorySegment data = arena.allocate(Math.max(1, total));
            MemorySegment.copy(bytes, 0, data, JAVA_BYTE, 0, bytes.length);
            MemorySegment control = MemorySegment.NULL;
            long controlBytes = 0;
            if (fds.length > 0) {
                controlBytes = cmsgSpace(fds.length * 4L);
                control = arena.allocate(controlBytes, 8);
                control.set(JAVA_LONG, 0, LibC.CMSGHDR_BYTES + fds.length * 4L);
                control.set(JAVA_INT, 8, LibC.SOL_SOCKET);
                control.set(JAVA_INT, 12, LibC.SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, JAVA_INT, LibC.CMSGHDR_BYTES, fds.length);
            }
            MemorySegment msg = arena.allocate(LibC.MSGHDR_BYTES, 8);
            MemorySegment iov = arena.allocate(LibC.IOVEC_BYTES, 8);
            msg.set(ADDRESS, LibC.MSG_IOV, iov);
            msg.set(JAVA_LONG, LibC.MSG_IOVLEN, 1);
            MemorySegment err = LibC.newErrno(arena);
            sendLock.lock();
            try {
                checkOpen();
                long sent = 0;
                while (sent < total) {
                    boolean first = sent == 0; // the fds go with the first byte only
                    msg.set(ADDRESS, LibC.MSG_CONTROL, first ? control : MemorySegment.NULL);
                    msg.set(JAVA_LONG, LibC.MSG_CONTROLLEN, first ? controlBytes : 0);
                    iov.set(ADDRESS, 0, data.asSlice(sent));
                    iov.set(JAVA_LONG, 8, total - sent);
                    long r = LibC.sendmsg(err, fd, msg, LibC.MSG_NOSIGNAL);
                    if (r == -LibC.EINTR) continue;
                    if (r < 0) {
                        checkOpen();
                        throw failure("cannot send to " + name + " (after " + sent + " of " + total + " bytes)", (int) -r);
                    }
                    sent += r;
                }
            } finally {
                sendLock.unlock();
            }
        }
    }

    /**
     * Waits for the next whole message. Returns null when the peer closed the connection between
     * messages (or {@link #shutdownInput} was called); a connection that ends inside a message, a
     * length above {@link #MAX_MESSAGE_BYTES}, more than {@link #MAX_FDS} fds and fds the kernel
     * dropped are IOExceptions (with every fd of the message closed).
     */
    public Received receive() throws IOException {
        return receive(CONTROL_BYTES);
    }

    /** {@link #receive} with a control buffer of {@code controlBytes}; tests make it too small on purpose. */
    Received receive(int controlBytes) throws IOException {
        receiveLock.lock();
        try (Arena arena = Arena.ofConfined()) {
            checkOpen();
            if (broken != null) throw new IOException(name + " is out of step after an earlier error (" + broken + "); close it");
            Reader reader = new Reader(arena, controlBytes);
            try {
                MemorySegment header = arena.allocate(4);
                long got = reader.fill(header);
                if (got == 0) return null;
                if (got < 4) throw reader.outOfStep(name + " closed the connection inside a message (after " + got + " of its 4 length bytes)");
                int length = header.get(INT_BE, 0);
                if (length < 0 || length > MAX_MESSAGE_BYTES) {
                    throw reader.outOfStep(name + " sent a message of " + Integer.toUnsignedString(length) + " bytes; at most "
                            + MAX_MESSAGE_BYTES + " go in one");
                }
                MemorySegment body = arena.allocate(Math.max(1, length)).asSlice(0, length);
                got = reader.fill(body);
                if (got < length) {
                    throw reader.outOfStep(name + " closed the connection inside a message (after " + got + " of its " + length + " bytes)");
                }
                if (reader.excess > 0) {
                    throw new IOException(name + " sent " + (reader.count + reader.excess) + " fds with one message; at most " + MAX_FDS
                            + " go with one, and all were closed");
                }
                if (reader.truncated) {
                    throw new IOException(name + " sent more fds than a control buffer of " + controlBytes
                            + " bytes holds (MSG_CTRUNC): the kernel dropped the rest, and the " + reader.count + " that arrived were closed");
                }
                return new Received(body.toArray(JAVA_BYTE), Arrays.copyOf(reader.fds, reader.count));
            } catch (IOException | RuntimeException e) {
                reader.closeFds();
                throw e;
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /** Ends this side's input: a blocked {@link #receive} (on another thread) returns null, and so do later ones. */
    public synchronized void shutdownInput() throws IOException {
        if (closed) return;
        try (Arena arena = Arena.ofConfined()) {
            int r = LibC.shutdown(LibC.newErrno(arena), fd, LibC.SHUT_RD);
            if (r < 0 && r != -LibC.ENOTCONN) throw failure("cannot shut down input of " + name, -r);
        }
    }

    /** Closes the socket, waking a send, receive or accept blocked on it; a second call does nothing. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            try (Arena arena = Arena.ofConfined()) {
                int ignored = LibC.shutdown(LibC.newErrno(arena), fd, LibC.SHUT_RDWR);
            }
        }
        sendLock.lock();
        receiveLock.lock();
        try {
            LibC.close(fd);
        } finally {
            receiveLock.unlock();
            sendLock.unlock();
        }
    }

    /** The fd itself, for tests that write raw bytes. */
    int fd() {
        return fd;
    }

    @Override
    public String toString() {
        return "UnixSocket[" + name + "]";
    }

    private synchronized void checkOpen() throws IOException {
        if (closed) throw new IOException(name + " is closed");
    }

    /** One message's recvmsg calls: the fds gathered so far, and whether the kernel dropped any. */
    private final class Reader {
        final MemorySegment err;
        final MemorySegment msg;
        final MemorySegment iov;
        final MemorySegment control;
        final int controlBytes;
        int[] fds = new int[0];
        int count;
        /** fds beyond MAX_FDS, closed as they arrive, so a peer cannot make one message hold the whole fd table. */
        int excess;
        boolean truncated;

        Reader(Arena arena, int controlBytes) {
            this.err = LibC.newErrno(arena);
            this.msg = arena.allocate(LibC.MSGHDR_BYTES, 8);
            this.iov = arena.allocate(LibC.IOVEC_BYTES, 8);
            this.controlBytes = controlBytes;
            this.control = controlBytes > 0 ? arena.allocate(controlBytes, 8) : MemorySegment.NULL;
            msg.set(ADDRESS, LibC.MSG_IOV, iov);
            msg.set(JAVA_LONG, LibC.MSG_IOVLEN, 1);
        }

        /** Reads until {@code into} is full or the peer closed; returns the bytes read. */
        long fill(MemorySegment into) throws IOException {
            long off = 0;
            while (off < into.byteSize()) {
                iov.set(ADDRESS, 0, into.asSlice(off));
                iov.set(JAVA_LONG, 8, into.byteSize() - off);
                msg.set(ADDRESS, LibC.MSG_CONTROL, control);
                msg.set(JAVA_LONG, LibC.MSG_CONTROLLEN, controlBytes);
                msg.set(JAVA_INT, LibC.MSG_FLAGS, 0);
                long r = LibC.recvmsg(err, fd, msg, LibC.MSG_CMSG_CLOEXEC);
                if (r == -LibC.EINTR) continue;
                if (r < 0) {
                    checkOpen();
                    throw outOfStep("cannot receive from " + name + ": " + LibC.strerror((int) -r));
                }
                collect(msg.get(JAVA_LONG, LibC.MSG_CONTROLLEN));
                if ((msg.get(JAVA_INT, LibC.MSG_FLAGS) & LibC.MSG_CTRUNC) != 0) truncated = true;
                if (r == 0) return off;
                off += r;
            }
            return off;
        }

        /** Walks the cmsghdrs the kernel wrote (CMSG_FIRSTHDR / CMSG_NXTHDR) and keeps every SCM_RIGHTS fd. */
        private void collect(long used) {
            long off = 0;
            while (off + LibC.CMSGHDR_BYTES <= used) {
                long length = control.get(JAVA_LONG, off);
                if (length < LibC.CMSGHDR_BYTES) break;
                if (control.get(JAVA_INT, off + 8) == LibC.SOL_SOCKET && control.get(JAVA_INT, off + 12) == LibC.SCM_RIGHTS) {
                    long n = (Math.min(length, used - off) - LibC.CMSGHDR_BYTES) / 4;
                    for (int i = 0; i < n; i++) {
                        int received = control.get(JAVA_INT, off + LibC.CMSGHDR_BYTES + 4L * i);
                        if (count == MAX_FDS) {
                            LibC.close(received);
                            excess++;
                            continue;
                        }
                        if (count == fds.length) fds = Arrays.copyOf(fds, Math.min(MAX_FDS, Math.max(8, count * 2)));
                        fds[count++] = received;
                    }
                }
                off += align(length);
            }
        }

        IOException outOfStep(String reason) {
            broken = reason;
            return new IOException(reason);
        }

        void closeFds() {
            for (int i = 0; i < count; i++) LibC.close(fds[i]);
            count = 0;
        }
    }

    private static MemorySegment address(Arena arena, Path path, String action) throws IOException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= LibC.SUN_PATH_BYTES) {
            throw new IOException("cannot " + action + " " + path + ": the path is " + bytes.length + " bytes, and a UNIX socket's path holds at most "
                    + (LibC.SUN_PATH_BYTES - 1) + " (sun_path is " + LibC.SUN_PATH_BYTES + " bytes with its NUL); use a shorter directory");
        }
        for (byte b : bytes) {
            if (b == 0) throw new IOException("cannot " + action + " \"" + path + "\": a UNIX socket's path has no NUL byte");
        }
        if (bytes.length == 0) throw new IOException("cannot " + action + " an empty path");
        MemorySegment address = arena.allocate(2L + bytes.length + 1, 2);
        address.set(JAVA_SHORT, 0, (short) LibC.AF_UNIX);
        MemorySegment.copy(bytes, 0, address, JAVA_BYTE, 2, bytes.length);
        return address;
    }

    /** SO_PEERCRED of a connected fd (the kernel keeps it after the peer hangs up). */
    private static Credentials credentials(Arena arena, MemorySegment err, int fd) throws IOException {
        MemorySegment ucred = arena.allocate(LibC.UCRED_BYTES, 4);
        MemorySegment length = arena.allocate(JAVA_INT);
        length.set(JAVA_INT, 0, (int) LibC.UCRED_BYTES);
        int r = LibC.getsockopt(err, fd, LibC.SOL_SOCKET, LibC.SO_PEERCRED, ucred, length);
        if (r < 0) throw failure("cannot read the peer credentials (SO_PEERCRED) of fd " + fd, -r);
        return new Credentials(ucred.get(JAVA_INT, 0), ucred.get(JAVA_INT, 4), ucred.get(JAVA_INT, 8));
    }

    private static IOException failure(String what, int errno) {
        return new IOException(what + ": " + LibC.strerror(errno));
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }

    private static long cmsgSpace(long dataBytes) {
        return LibC.CMSGHDR_BYTES + align(dataBytes);
    }
}
