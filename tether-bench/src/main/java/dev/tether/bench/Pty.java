package dev.tether.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A bare pseudo-terminal for the bench's own side of a measurement: the raw-PTY baselines, and
 * the terminals that tmux and dtach clients need on their standard input.
 *
 * <p>The bench keeps its own descriptor of the slave open until {@link #close}, so the master
 * never reports a hang-up before the child has opened the slave; the end of a stream is found by
 * counting bytes or by the child's exit. Reads poll first, with a timeout, so no reader thread can
 * hang on a terminal nobody writes to.
 */
final class Pty implements AutoCloseable {
    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final int EINTR = 4;
    private static final int EIO = 5;
    private static final int EAGAIN = 11;
    private static final long TIOCSWINSZ = 0x5414;
    private static final short POLLIN = 0x1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");
    private static final MethodHandle POSIX_OPENPT = bind("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = bind("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = bind("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME_R = bind("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final int master;
    private final int slave;
    private final Path slavePath;
    private volatile boolean closed;
    private volatile Thread pump;

    private Pty(int master, int slave, Path slavePath) {
        this.master = master;
        this.slave = slave;
        this.slavePath = slavePath;
    }

    /** Opens a new terminal of the given size. */
    static Pty open(int cols, int rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int m = (int) POSIX_OPENPT.invokeExact(O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (m < 0) {
                throw new IOException("posix_openpt failed: no pseudo-terminal left? (kernel.pty.max is "
                        + Limits.ptyMax() + ", in use " + Limits.ptyInUse() + ")");
            }
            MemorySegment name = arena.allocate(128);
            if ((int) GRANTPT.invokeExact(m) != 0 || (int) UNLOCKPT.invokeExact(m) != 0
                    || (int) PTSNAME_R.invokeExact(m, name, 128L) != 0) {
                int ignored = (int) CLOSE.invokeExact(m);
                throw new IOException("cannot unlock the pseudo-terminal " + m);
            }
            String path = name.getString(0);
            int s = (int) OPEN.invokeExact(arena.allocateFrom(path), O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (s < 0) {
                int ignored = (int) CLOSE.invokeExact(m);
                throw new IOException("cannot open " + path);
            }
            MemorySegment size = arena.allocate(8);
            size.set(JAVA_SHORT, 0, (short) rows);
            size.set(JAVA_SHORT, 2, (short) cols);
            int ignored = (int) IOCTL.invokeExact(m, TIOCSWINSZ, size);
            return new Pty(m, s, Path.of(path));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot open a pseudo-terminal: " + t, t);
        }
    }

    /** The slave's path, e.g. {@code /dev/pts/7}: a child's stdin/stdout are redirected to it. */
    Path slavePath() {
        return slavePath;
    }

    /**
     * Reads what is there into {@code buffer}, waiting at most {@code timeoutMs}. Returns the
     * number of bytes, 0 on timeout, or -1 once the terminal is hung up or closed.
     */
    int read(MemorySegment buffer, MemorySegment errno, MemorySegment pollfd, int timeoutMs) {
        try {
            while (!closed) {
                pollfd.set(JAVA_INT, 0, master);
                pollfd.set(JAVA_SHORT, 4, POLLIN);
                pollfd.set(JAVA_SHORT, 6, (short) 0);
                int ready = (int) POLL.invokeExact(errno, pollfd, 1L, timeoutMs);
                if (ready == 0) {
                    return 0;
                }
                if (ready < 0) {
                    if ((int) ERRNO.get(errno, 0L) == EINTR) {
                        continue;
                    }
                    return -1;
                }
                long n = (long) READ.invokeExact(errno, master, buffer, buffer.byteSize());
                if (n > 0) {
                    return (int) n;
                }
                int e = (int) ERRNO.get(errno, 0L);
                if (n < 0 && (e == EINTR || e == EAGAIN)) {
                    continue;
                }
                return -1; // EIO: every slave descriptor is closed
            }
            return -1;
        } catch (Throwable t) {
            throw new IllegalStateException("read from the pseudo-terminal failed", t);
        }
    }

    /** Writes all of {@code data} to the master (what a user types). */
    void write(MemorySegment data, MemorySegment errno) throws IOException {
        long off = 0;
        long len = data.byteSize();
        try {
            while (off < len) {
                long n = (long) WRITE.invokeExact(errno, master, data.asSlice(off), len - off);
                if (n < 0) {
                    int e = (int) ERRNO.get(errno, 0L);
                    if (e == EINTR || e == EAGAIN) {
                        continue;
                    }
                    throw new IOException("write to the pseudo-terminal failed (errno " + e + (e == EIO ? ", hung up" : "") + ")");
                }
                off += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("write to the pseudo-terminal failed: " + t, t);
        }
    }

    /**
     * Reads the output into {@code sink} on a daemon thread until the terminal is hung up or
     * closed; {@link #close} stops the thread before it closes the descriptors.
     */
    void pump(java.util.function.BiConsumer<MemorySegment, Integer> sink) {
        pump = Thread.ofPlatform().daemon().name("bench-pty-" + slavePath.getFileName()).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(64 * 1024);
                MemorySegment errno = newErrno(arena);
                MemorySegment pollfd = newPollFd(arena);
                int n;
                while ((n = read(buf, errno, pollfd, 50)) >= 0) {
                    if (n > 0) {
                        sink.accept(buf, n);
                    }
                }
            }
        });
    }

    /**
     * Reads and discards the output of all these terminals on one thread, as terminal emulators
     * would: a program (tmux) that writes to a terminal nobody reads blocks once the kernel's
     * buffer is full. Stops when closed; close it before closing the terminals.
     */
    static AutoCloseable drain(java.util.List<Pty> ptys) {
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = Thread.ofPlatform().daemon().name("bench-pty-drain").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int n = ptys.size();
                MemorySegment fds = arena.allocate(8L * n, 4);
                for (int i = 0; i < n; i++) {
                    fds.set(JAVA_INT, 8L * i, ptys.get(i).master);
                    fds.set(JAVA_SHORT, 8L * i + 4, POLLIN);
                }
                MemorySegment buf = arena.allocate(64 * 1024);
                MemorySegment errno = newErrno(arena);
                while (!stop.get()) {
                    int ready = (int) POLL.invokeExact(errno, fds, (long) n, 50);
                    for (int i = 0; ready > 0 && i < n; i++) {
                        short revents = fds.get(JAVA_SHORT, 8L * i + 6);
                        if (revents == 0) {
                            continue;
                        }
                        ready--;
                        fds.set(JAVA_SHORT, 8L * i + 6, (short) 0);
                        if ((revents & POLLIN) != 0) {
                            long r = (long) READ.invokeExact(errno, fds.get(JAVA_INT, 8L * i), buf, buf.byteSize());
                        } else {
                            fds.set(JAVA_INT, 8L * i, -1); // hung up: poll ignores negative fds
                        }
                    }
                }
            } catch (Throwable e) {
                throw new IllegalStateException("draining terminals failed", e);
            }
        });
        return () -> {
            stop.set(true);
            t.join(2000);
        };
    }

    static MemorySegment newErrno(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static MemorySegment newPollFd(Arena arena) {
        return arena.allocate(8, 4);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread t = pump;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            int a = (int) CLOSE.invokeExact(slave);
            int b = (int) CLOSE.invokeExact(master);
        } catch (Throwable ignored) {
            // closing is best effort
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name)), descriptor, options);
    }
}
