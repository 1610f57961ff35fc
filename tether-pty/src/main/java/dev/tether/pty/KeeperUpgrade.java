package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keeper's re-exec (issue 10 §3): it replaces its own image with a new JVM, keeping its pid
 * (so it stays its sessions' parent and subreaper), its lock, its listening socket and every
 * session's master, pidfd and ring memfd. The state the new image needs goes in a memfd whose
 * number is in {@value #STATE_ENV}.
 *
 * <p><b>Exactly the kept fds survive</b>: close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) marks every
 * fd of the JVM close-on-exec, then CLOEXEC is cleared on the kept ones and the state memfd. A
 * failed execve marks them close-on-exec again and leaves the process as it was.
 *
 * <p><b>The state</b> (big-endian, as {@link DataOutputStream} writes): magic {@code TETHKEEP},
 * format version (int), pid (int), build (string), lock fd, listener fd (ints), the count of
 * sessions, then per session: id (long), pid, master fd, pidfd, ring fd, exit code (ints; -1 for
 * an fd not held, {@link Integer#MIN_VALUE} for "still running"), released (boolean); then per
 * session its utmp line (string, empty for none), after every session so that an image of an
 * older build, which stops reading before them, still reads the state (a downgrade). Owner and
 * size are the server's store's, not the keeper's, so they are not here.
 */
final class KeeperUpgrade {
    static final String STATE_ENV = "TETHER_KEEPER_STATE";
    private static final byte[] MAGIC = "TETHKEEP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int NO_EXIT = Integer.MIN_VALUE;
    private static final int MAX_SESSIONS = 1 << 20;

    private KeeperUpgrade() {
    }

    /** One session as the state carries it. */
    /** @param loggedOnLine the terminal of a log-on's utmp record ("pts/N"), whose log-off is still to be written; else null */
    record Session(long id, int pid, int master, int pidfd, int ringFd, Integer exitCode, boolean released, String loggedOnLine) {
    }

    /** What an image hands the next one. */
    record State(int pid, String build, int lockFd, int listenerFd, List<Session> sessions) {
        State {
            sessions = List.copyOf(sessions);
        }

        /** Every fd the next image must inherit. */
        int[] fds() {
            var fds = new ArrayList<Integer>(List.of(lockFd, listenerFd));
            for (Session s : sessions) {
                for (int fd : new int[] {s.master(), s.pidfd(), s.ringFd()}) {
                    if (fd >= 0) {
                        fds.add(fd);
                    }
                }
            }
            return fds.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    static byte[] encode(State state) {
        var bytes = new ByteArrayOutputStream(64 + 40 * state.sessions().size());
        try (var out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(state.pid());
            out.writeUTF(state.build());
            out.writeInt(state.lockFd());
            out.writeInt(state.listenerFd());
            out.writeInt(state.sessions().size());
            for (Session s : state.sessions()) {
                out.writeLong(s.id());
                out.writeInt(s.pid());
                out.writeInt(s.master());
                out.writeInt(s.pidfd());
                out.writeInt(s.ringFd());
                out.writeInt(s.exitCode() == null ? NO_EXIT : s.exitCode());
                out.writeBoolean(s.released());
            }
            for (Session s : state.sessions()) {
                out.writeUTF(s.loggedOnLine() == null ? "" : s.loggedOnLine());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** Decodes a state; one that is not whole is an IOException naming what is wrong. */
    static State decode(byte[] bytes) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("the keeper's upgrade state does not begin with TETHKEEP");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("the keeper's upgrade state has format " + version + "; this build reads " + VERSION);
            }
            int pid = in.readInt();
            String build = in.readUTF();
            int lockFd = in.readInt();
            int listenerFd = in.readInt();
            int n = in.readInt();
            if (n < 0 || n > MAX_SESSIONS) {
                throw new IOException("the keeper's upgrade state counts " + n + " sessions");
            }
            var sessions = new ArrayList<Session>(n);
            for (int i = 0; i < n; i++) {
                long id = in.readLong();
                int spid = in.readInt();
                int master = in.readInt();
                int pidfd = in.readInt();
                int ringFd = in.readInt();
                int exit = in.readInt();
                sessions.add(new Session(id, spid, master, pidfd, ringFd, exit == NO_EXIT ? null : exit, in.readBoolean(), null));
            }
            if (in.available() > 0) { // absent from the state of an older build's image
                for (int i = 0; i < n; i++) {
                    String line = in.readUTF();
                    Session s = sessions.get(i);
                    sessions.set(i, new Session(s.id(), s.pid(), s.master(), s.pidfd(), s.ringFd(), s.exitCode(), s.released(),
                            line.isEmpty() ? null : line));
                }
            }
            return new State(pid, build, lockFd, listenerFd, sessions);
        } catch (java.io.EOFException e) {
            throw new IOException("the keeper's upgrade state ends early", e);
        }
    }

    /**
     * The state this process was exec'd with, if {@value #STATE_ENV} names one and it was written
     * for this very pid (an environment inherited by some other process is ignored, and its fd
     * number left alone). The state memfd is closed.
     */
    static State inherited() throws IOException {
        String value = System.getenv(STATE_ENV);
        if (value == null || value.isBlank()) {
            return null;
        }
        int fd;
        try {
            fd = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IOException(STATE_ENV + "=" + value + " is not an fd number");
        }
        Path file = Path.of("/proc/self/fd/" + fd);
        State state;
        try {
            state = decode(Files.readAllBytes(file)); // a new open of the memfd: it reads from the start
        } catch (IOException e) {
            throw new IOException("cannot read the keeper's upgrade state from fd " + fd + ": " + e.getMessage(), e);
        }
        if (state.pid() != ProcessHandle.current().pid()) {
            return null; // not ours: the fd number means something else here, if anything
        }
        LibC.close(fd);
        return state;
    }

    /**
     * Checks that {@code argv} can start a JVM at all before this process bets its sessions on it:
     * an absolute, executable program and a class path whose entries exist. Returns why not, or null.
     */
    static String refusal(List<String> argv) {
        if (argv.isEmpty()) {
            return "the command line is empty";
        }
        Path program = Path.of(argv.getFirst());
        if (!program.isAbsolute() || !Files.isRegularFile(program) || !Files.isExecutable(program)) {
            return argv.getFirst() + " is not an absolute path to an executable file";
        }
        for (int i = 1; i < argv.size() - 1; i++) {
            String a = argv.get(i);
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path") || a.equals("-p") || a.equals("--module-path")) {
                for (String entry : argv.get(i + 1).split(File.pathSeparator)) {
                    if (!entry.isEmpty() && !Files.exists(Path.of(entry))) {
                        return "its class path entry " + entry + " does not exist";
                    }
                }
            }
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                return "an argument contains a NUL byte";
            }
        }
        return null;
    }

    /**
     * Replaces this process's image with {@code argv}, keeping {@code state}'s fds; returns only
     * when that failed, with the sentence saying why, the process as it was. Call it with the
     * keeper's monitor held, so nothing reads a master or writes a ring meanwhile.
     */
    static String exec(List<String> argv, State state) {
        String refused = refusal(argv);
        if (refused != null) {
            return refused;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            int stateFd = LibC.memfdCreate(err, arena.allocateFrom("tether-keeper-state"), LibC.MFD_CLOEXEC);
            if (stateFd < 0) {
                return "memfd_create failed: " + LibC.strerror(-stateFd);
            }
            byte[] bytes = encode(state);
            MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
            for (long off = 0; off < bytes.length; ) {
                long n = LibC.write(err, stateFd, buffer.asSlice(off), bytes.length - off);
                if (n < 0 && n != -LibC.EINTR) {
                    LibC.close(stateFd);
                    return "cannot write the upgrade state: " + LibC.strerror((int) -n);
                }
                off += Math.max(0, n);
            }
            Map<String, String> env = new TreeMap<>(System.getenv());
            env.put(STATE_ENV, Integer.toString(stateFd));

            String why = markAllCloexec(err);
            if (why == null) {
                int[] keep = Arrays.copyOf(state.fds(), state.fds().length + 1);
                keep[keep.length - 1] = stateFd;
                for (int fd : keep) {
                    int r = LibC.clearCloexec(err, fd);
                    if (r < 0) {
                        why = "cannot keep fd " + fd + " open across the exec: " + LibC.strerror(-r);
                        break;
                    }
                }
            }
            if (why == null) {
                why = execve(argv, env);
            }
            markAllCloexec(err); // as it was: every fd of a keeper is close-on-exec
            LibC.close(stateFd);
            return why;
        }
    }

    /**
     * execve of {@code argv} (its first element an absolute path) with {@code env}, from a thread
     * whose signal mask is emptied first (the JVM blocks some signals; a new image keeps the mask).
     * The caller has made the fds it does not pass on close-on-exec. Returns only on failure, with
     * the sentence, the mask restored.
     */
    static String execve(List<String> argv, Map<String, String> env) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            MemorySegment path = arena.allocateFrom(argv.getFirst());
            MemorySegment args = PtySpawner.strings(arena, argv);
            MemorySegment envp = PtySpawner.strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            MemorySegment empty = arena.allocate(LibC.SIGSET_BYTES, 8);
            MemorySegment oldMask = arena.allocate(LibC.SIGSET_BYTES, 8);
            int r = LibC.emptySignalMask(empty, oldMask);
            if (r != 0) {
                return "pthread_sigmask failed: " + LibC.strerror(r);
            }
            int e = -LibC.execve(err, path, args, envp); // returns only on failure
            LibC.restoreSignalMask(oldMask);
            return "execve(" + argv.getFirst() + ") failed: " + LibC.strerror(e);
        }
    }

    /** CLOSE_RANGE_CLOEXEC on 3..~0U, or each fd in /proc/self/fd where the kernel is older than 5.11. */
    static String markAllCloexec(MemorySegment err) {
        int r = LibC.closeRange(err, 3, -1, LibC.CLOSE_RANGE_CLOEXEC);
        if (r == 0) {
            return null;
        }
        String[] fds = new File("/proc/self/fd").list();
        if (fds == null) {
            return "close_range failed (" + LibC.strerror(-r) + ") and /proc/self/fd cannot be read";
        }
        for (String name : fds) {
            int fd = Integer.parseInt(name);
            if (fd > 2) {
                LibC.setCloexec(err, fd); // the listing's own fd is gone already: EBADF, fine
            }
        }
        return null;
    }
}
