package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The few libc calls the PTY host and {@link UnixSocket} need, bound once through the FFM linker (glibc, Linux,
 * x86_64 or aarch64; the constants below have the same values on both).
 *
 * <p>Calls that can fail take an errno capture segment (see {@link #newErrno}) as their first
 * argument and return {@code -errno} on failure, the way the kernel does, so callers test
 * {@code r < 0} and switch on the negated code without a second native call.
 */
final class LibC {
    static final int O_RDWR = 02;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;

    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ESRCH = 3;
    static final int EAGAIN = 11;
    static final int EBADF = 9;
    static final int EADDRINUSE = 98;
    static final int ECONNABORTED = 103;
    static final int EISCONN = 106;
    static final int ENOTCONN = 107;

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final int SOL_SOCKET = 1;
    static final int SO_PEERCRED = 17;
    static final int SCM_RIGHTS = 1;
    static final int SHUT_RD = 0;
    static final int SHUT_RDWR = 2;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** The kernel's limit of fds in one SCM_RIGHTS message (include/net/scm.h). */
    static final int SCM_MAX_FD = 253;
    /** struct sockaddr_un: sa_family_t, then sun_path[108]. */
    static final int SUN_PATH_BYTES = 108;
    static final long SOCKADDR_UN_BYTES = 2 + SUN_PATH_BYTES;
    /**
     * struct msghdr on 64-bit Linux: {void *name; socklen_t namelen (padded to 8); struct iovec *iov;
     * size_t iovlen; void *control; size_t controllen; int flags (padded)}.
     */
    static final long MSGHDR_BYTES = 56;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    static final long MSG_CONTROL = 32;
    static final long MSG_CONTROLLEN = 40;
    static final long MSG_FLAGS = 48;
    /** struct iovec {void *base; size_t len}. */
    static final long IOVEC_BYTES = 16;
    /** struct cmsghdr {size_t len; int level; int type}, its data aligned to size_t. */
    static final long CMSGHDR_BYTES = 16;
    /** struct ucred {pid_t pid; uid_t uid; gid_t gid}. */
    static final long UCRED_BYTES = 12;

    static final int SIGHUP = 1;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final int SIGWINCH = 28;

    static final int EPOLL_CLOEXEC = O_CLOEXEC;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EFD_NONBLOCK = O_NONBLOCK;
    static final int EFD_CLOEXEC = O_CLOEXEC;

    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;
    static final long TIOCGPGRP = 0x540F;
    /** termios c_iflag bit: canonical-mode erase removes a whole UTF-8 character. */
    static final int IUTF8 = 040000;
    static final int TCSANOW = 0;
    /** glibc's struct termios (60 bytes on Linux), c_iflag first; rounded up. */
    static final long TERMIOS_BYTES = 64;

    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;
    static final int WNOHANG = 1;

    /** glibc's sizes are 336 and 80 bytes on both 64-bit targets; the slack costs nothing. */
    static final long SPAWNATTR_BYTES = 512;
    static final long FILE_ACTIONS_BYTES = 128;
    static final long SIGSET_BYTES = 128;

    /** struct epoll_event is packed on x86_64 only: {u32 events; u64 data} is 12 bytes there, 16 elsewhere. */
    static final long EPOLL_EVENT_BYTES;
    static final long EPOLL_DATA_OFFSET;

    static {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean packed = arch.equals("amd64") || arch.equals("x86_64");
        EPOLL_EVENT_BYTES = packed ? 12 : 16;
        EPOLL_DATA_OFFSET = packed ? 4 : 8;
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle POSIX_OPENPT = bind("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle GRANTPT = bind("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle UNLOCKPT = bind("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle PTSNAME_R = bind("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCNTL = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle TCGETATTR = bind("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), ERRNO_OPT);
    private static final MethodHandle TCSETATTR = bind("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
            ERRNO_OPT);
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    /** write(2) straight from a Java array: a critical call may take a heap segment, with no copy to native memory. */
    private static final MethodHandle WRITE_HEAP = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            ERRNO_OPT, Linker.Option.critical(true));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL = bind("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle WAITPID = bind("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle PIPE2 = bind("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle ACCEPT4 = bind("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
            ERRNO_OPT);
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle SENDMSG = bind("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle RECVMSG = bind("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO_OPT);
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle FCHMOD = bind("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ERRNO_OPT);
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    /** glibc 2.36 wraps pidfd_open; older ones only have the raw syscall (434 on x86_64 and aarch64). */
    private static final MethodHandle PIDFD_OPEN = LOOKUP.find("pidfd_open")
            .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT))
            .orElse(null);
    private static final MethodHandle SYSCALL = PIDFD_OPEN != null ? null
            : bind("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                    ERRNO_OPT, Linker.Option.firstVariadicArg(1));
    private static final long SYS_PIDFD_OPEN = 434;

    private static final MethodHandle SPAWN = bind("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_INIT = bind("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_SETFLAGS = bind("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = bind("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SETSIGDEFAULT = bind("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = bind("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = bind("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_INIT = bind("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = bind("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_CHDIR = bind("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FA_OPEN = bind("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_DUP2 = bind("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CLOSEFROM = bind("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private static final MethodHandle PRCTL = bind("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle GETEUID = bind("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = bind("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    static final int MFD_CLOEXEC = 1;
    static final int MFD_ALLOW_SEALING = 2;

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle EXECVE = bind("execve", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), ERRNO_OPT);
    private static final MethodHandle CLOSE_RANGE = bind("close_range", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO_OPT);
    private static final MethodHandle PTHREAD_SIGMASK = bind("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    static final int EWOULDBLOCK = EAGAIN;
    static final int CLOSE_RANGE_CLOEXEC = 4;
    static final int SIG_SETMASK = 2;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_APPEND = 02000;

    private LibC() {
    }

    /** prctl with one argument (the rest zero); 0 or -errno. */
    static int prctl(MemorySegment err, int option, long arg) {
        try {
            return (int) PRCTL.invokeExact(err, option, arg) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** An anonymous file in memory (memfd_create); an fd or -errno. */
    static int memfdCreate(MemorySegment err, MemorySegment name, int flags) {
        try {
            int r = (int) MEMFD_CREATE.invokeExact(err, name, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** open(2) with a mode (used only with O_CREAT); an fd or -errno. */
    static int open(MemorySegment err, MemorySegment path, int flags, int mode) {
        try {
            int r = (int) OPEN.invokeExact(err, path, flags, mode);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** flock(2): a lock on the open file, which lives as long as the fd, across an execve too; 0 or -errno. */
    static int flock(MemorySegment err, int fd, int operation) {
        try {
            return (int) FLOCK.invokeExact(err, fd, operation) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** execve(2): returns only when it failed, with -errno. */
    static int execve(MemorySegment err, MemorySegment path, MemorySegment argv, MemorySegment envp) {
        try {
            int ignored = (int) EXECVE.invokeExact(err, path, argv, envp);
            return fail(err);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** close_range(2) over [first, last] (unsigned; -1 is ~0U) with {@code flags}; 0 or -errno. */
    static int closeRange(MemorySegment err, int first, int last, int flags) {
        try {
            return (int) CLOSE_RANGE.invokeExact(err, first, last, flags) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /**
     * Replaces the calling thread's signal mask with the empty set, the old one stored in
     * {@code old} (of {@link #SIGSET_BYTES}); 0 or an error number (pthread_sigmask reports by
     * return value). {@link #restoreSignalMask} puts it back.
     */
    static int emptySignalMask(MemorySegment empty, MemorySegment old) {
        try {
            int ignored = (int) SIGEMPTYSET.invokeExact(empty); // fails only for a NULL set
            return (int) PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, empty, old);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int restoreSignalMask(MemorySegment old) {
        try {
            return (int) PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, old, MemorySegment.NULL);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /**
     * Fills {@code actions} for a daemon: change to {@code dir}, /dev/null on fd 0, {@code log}
     * (appended, created 0600) on 1 and 2, everything from 3 up closed. Returns 0 or an error number.
     */
    static int initDaemonFileActions(MemorySegment actions, MemorySegment dir, MemorySegment devNull, MemorySegment log) {
        try {
            int r = (int) FA_INIT.invokeExact(actions);
            if (r == 0) r = (int) FA_CHDIR.invokeExact(actions, dir);
            if (r == 0) r = (int) FA_OPEN.invokeExact(actions, 0, devNull, 0, 0);
            if (r == 0) r = (int) FA_OPEN.invokeExact(actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (r == 0) r = (int) FA_DUP2.invokeExact(actions, 1, 2);
            if (r == 0) r = (int) FA_CLOSEFROM.invokeExact(actions, 3);
            return r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + " (glibc 2.34 or later is required)"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A segment for {@code errno}, owned by one thread at a time. */
    static MemorySegment newErrno(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The errno a call captured in {@code err}. */
    static int errno(MemorySegment err) {
        return (int) ERRNO.get(err, 0L);
    }

    private static int fail(MemorySegment err) {
        return -(int) ERRNO.get(err, 0L);
    }

    static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int posixOpenpt(MemorySegment err, int flags) {
        try {
            int r = (int) POSIX_OPENPT.invokeExact(err, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int grantpt(MemorySegment err, int fd) {
        try {
            return (int) GRANTPT.invokeExact(err, fd) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int unlockpt(MemorySegment err, int fd) {
        try {
            return (int) UNLOCKPT.invokeExact(err, fd) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** Returns 0 or an error number (ptsname_r reports errors by return value). */
    static int ptsnameR(int fd, MemorySegment buf) {
        try {
            return (int) PTSNAME_R.invokeExact(fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int fcntl(MemorySegment err, int fd, int cmd, int arg) {
        try {
            int r = (int) FCNTL.invokeExact(err, fd, cmd, arg);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int ioctl(MemorySegment err, int fd, long request, MemorySegment arg) {
        try {
            int r = (int) IOCTL.invokeExact(err, fd, request, arg);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** tcgetattr; on a PTY master it reads the slave's termios (Linux hands termios calls on to the slave). */
    static int tcgetattr(MemorySegment err, int fd, MemorySegment termios) {
        try {
            return (int) TCGETATTR.invokeExact(err, fd, termios) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int tcsetattr(MemorySegment err, int fd, int when, MemorySegment termios) {
        try {
            return (int) TCSETATTR.invokeExact(err, fd, when, termios) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static long read(MemorySegment err, int fd, MemorySegment buf, long count) {
        try {
            long r = (long) READ.invokeExact(err, fd, buf, count);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static long write(MemorySegment err, int fd, MemorySegment buf, long count) {
        try {
            long r = (long) WRITE.invokeExact(err, fd, buf, count);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** {@link #write} of a heap segment (an array's bytes); for short, non-blocking writes only. */
    static long writeHeap(MemorySegment err, int fd, MemorySegment array, long count) {
        try {
            long r = (long) WRITE_HEAP.invokeExact(err, fd, array, count);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int kill(MemorySegment err, int pid, int signal) {
        try {
            return (int) KILL.invokeExact(err, pid, signal) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** Returns the pid reaped (status written to {@code status}), 0 when still running, or -errno. */
    static int waitpid(MemorySegment err, int pid, MemorySegment status, int options) {
        try {
            int r = (int) WAITPID.invokeExact(err, pid, status, options);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int epollCreate1(MemorySegment err, int flags) {
        try {
            int r = (int) EPOLL_CREATE1.invokeExact(err, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** {@code event} is one epoll_event ({@link #EPOLL_EVENT_BYTES}); its data is set to {@code fd}. */
    static int epollCtl(MemorySegment err, int epfd, int op, int fd, int events, MemorySegment event) {
        event.set(JAVA_INT, 0, events);
        event.set(JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, fd);
        try {
            return (int) EPOLL_CTL.invokeExact(err, epfd, op, fd, event) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int epollWait(MemorySegment err, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            int r = (int) EPOLL_WAIT.invokeExact(err, epfd, events, maxEvents, timeoutMillis);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int eventEvents(MemorySegment events, int i) {
        return events.get(JAVA_INT_UNALIGNED, i * EPOLL_EVENT_BYTES);
    }

    static int eventFd(MemorySegment events, int i) {
        return (int) events.get(JAVA_LONG_UNALIGNED, i * EPOLL_EVENT_BYTES + EPOLL_DATA_OFFSET);
    }

    static int eventfd(MemorySegment err, int flags) {
        try {
            int r = (int) EVENTFD.invokeExact(err, 0, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int pidfdOpen(MemorySegment err, int pid) {
        try {
            long r = PIDFD_OPEN != null
                    ? (int) PIDFD_OPEN.invokeExact(err, pid, 0)
                    : (long) SYSCALL.invokeExact(err, SYS_PIDFD_OPEN, (long) pid, 0L);
            return r < 0 ? fail(err) : (int) r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** A close-on-exec copy of {@code fd} (fcntl F_DUPFD_CLOEXEC), or -errno. */
    static int dup(MemorySegment err, int fd) {
        return fcntl(err, fd, F_DUPFD_CLOEXEC, 0);
    }

    /** Clears FD_CLOEXEC on {@code fd}, so it survives an exec (the keeper's self-upgrade); 0 or -errno. */
    static int clearCloexec(MemorySegment err, int fd) {
        int flags = fcntl(err, fd, F_GETFD, 0);
        return flags < 0 ? flags : Math.min(0, fcntl(err, fd, F_SETFD, flags & ~FD_CLOEXEC));
    }

    /** Sets FD_CLOEXEC on {@code fd} again; 0 or -errno. */
    static int setCloexec(MemorySegment err, int fd) {
        int flags = fcntl(err, fd, F_GETFD, 0);
        return flags < 0 ? flags : Math.min(0, fcntl(err, fd, F_SETFD, flags | FD_CLOEXEC));
    }

    /** pipe2 into {@code fds} (two ints: read end, write end); 0 or -errno. */
    static int pipe2(MemorySegment err, MemorySegment fds, int flags) {
        try {
            return (int) PIPE2.invokeExact(err, fds, flags) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int socket(MemorySegment err, int domain, int type, int protocol) {
        try {
            int r = (int) SOCKET.invokeExact(err, domain, type, protocol);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int bind(MemorySegment err, int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(err, fd, address, length) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int listen(MemorySegment err, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(err, fd, backlog) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** accept4 without the peer's address (a UNIX peer has none worth having); the new fd or -errno. */
    static int accept4(MemorySegment err, int fd, int flags) {
        try {
            int r = (int) ACCEPT4.invokeExact(err, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int connect(MemorySegment err, int fd, MemorySegment address, int length) {
        try {
            return (int) CONNECT.invokeExact(err, fd, address, length) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static long sendmsg(MemorySegment err, int fd, MemorySegment msghdr, int flags) {
        try {
            long r = (long) SENDMSG.invokeExact(err, fd, msghdr, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static long recvmsg(MemorySegment err, int fd, MemorySegment msghdr, int flags) {
        try {
            long r = (long) RECVMSG.invokeExact(err, fd, msghdr, flags);
            return r < 0 ? fail(err) : r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** getsockopt into {@code value}; {@code length} holds one socklen_t, in and out. 0 or -errno. */
    static int getsockopt(MemorySegment err, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(err, fd, level, name, value, length) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int shutdown(MemorySegment err, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(err, fd, how) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static int fchmod(MemorySegment err, int fd, int mode) {
        try {
            return (int) FCHMOD.invokeExact(err, fd, mode) < 0 ? fail(err) : 0;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /** Returns 0 or an error number (posix_spawn reports errors by return value). */
    static int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions, MemorySegment attr,
                          MemorySegment argv, MemorySegment envp) {
        try {
            return (int) SPAWN.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /**
     * Fills {@code attr} (of {@link #SPAWNATTR_BYTES}) with: a new session, an empty signal mask
     * and every signal at its default disposition, undoing what the JVM blocks and ignores.
     */
    static void initSpawnAttributes(MemorySegment attr, MemorySegment emptySet, MemorySegment fullSet) {
        try {
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            check("sigemptyset", (int) SIGEMPTYSET.invokeExact(emptySet));
            check("sigfillset", (int) SIGFILLSET.invokeExact(fullSet));
            check("posix_spawnattr_setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, emptySet));
            check("posix_spawnattr_setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, fullSet));
            short flags = (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
            check("posix_spawnattr_setflags", (int) ATTR_SETFLAGS.invokeExact(attr, flags));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    /**
     * Fills {@code actions} (of {@link #FILE_ACTIONS_BYTES}): change to {@code dir}, open the
     * slave on fd 0 (the new session leader thereby acquires it as controlling terminal), dup it
     * to 1 and 2, put {@code status} (unless negative) on fd 3, and close everything above. Returns 0
     * or an error number.
     */
    static int initFileActions(MemorySegment actions, MemorySegment dir, MemorySegment slave, int status) {
        try {
            int r = (int) FA_INIT.invokeExact(actions);
            if (r == 0) r = (int) FA_CHDIR.invokeExact(actions, dir);
            if (r == 0) r = (int) FA_OPEN.invokeExact(actions, 0, slave, O_RDWR, 0);
            if (r == 0) r = (int) FA_DUP2.invokeExact(actions, 0, 1);
            if (r == 0) r = (int) FA_DUP2.invokeExact(actions, 0, 2);
            if (r == 0 && status >= 0) r = (int) FA_DUP2.invokeExact(actions, status, 3); // glibc clears FD_CLOEXEC, even when status is 3
            if (r == 0) r = (int) FA_CLOSEFROM.invokeExact(actions, status >= 0 ? 4 : 3);
            return r;
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    static void destroyFileActions(MemorySegment actions) {
        try {
            int ignored = (int) FA_DESTROY.invokeExact(actions);
        } catch (Throwable t) {
            throw linkFailure(t);
        }
    }

    private static void check(String call, int result) {
        if (result != 0) {
            throw new IllegalStateException(call + " failed: " + strerror(result));
        }
    }

    private static RuntimeException linkFailure(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
