package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a session as a log-on in utmp and wtmp, so that {@code who}, {@code w} and {@code last}
 * show it the way they show a log-on through login(1) or sshd: glibc's {@code pututxline} into
 * utmp ({@code _PATH_UTMPX}, /var/run/utmp) and {@code updwtmpx} onto wtmp (/var/log/wtmp).
 *
 * <p>Only root may write those files. When the process is not root every call does nothing; that
 * is logged once. A file that is missing (a container without systemd-tmpfiles) is created the way
 * tmpfiles.d/systemd.conf has it at boot: mode 0664, owner root, group utmp. A failure is an
 * {@link IOException} whose sentence names the file and the C library's reason; the caller logs it
 * and goes on, since the session itself does not depend on the record.
 *
 * <p>A record's slot in utmp is found by its {@code ut_id}, the last four bytes of the line, as
 * sshd (loginrec.c {@code line_abbrevname}) and systemd ({@code copy_suffix}) make it: "ts/3" for
 * pts/3. util-linux login takes the line's digits from the first one ("3"); both name one slot per
 * pts. The log-off is a DEAD_PROCESS record in the same slot, user and host cleared, as glibc's
 * {@code logout(3)} and systemd do (sshd keeps the user). {@code who} without a file name also
 * hides a USER_PROCESS record whose pid no longer exists (coreutils' READ_UTMP_CHECK_PIDS); the
 * DEAD_PROCESS record is what {@code who FILE}, {@code w} and {@code last} go by.
 *
 * <p>The glibc utmp calls share one open file and position per process, so calls here hold one
 * lock. Fields longer than their arrays are cut at a UTF-8 character boundary; control characters
 * (a host name may come from the network) become '?', so {@code who} cannot be made to print
 * escape sequences. {@code ut_tv.tv_sec} is 32 bits wide: times after January 2038 wrap.
 */
public final class Utmp {
    private static final Logger log = LoggerFactory.getLogger(Utmp.class);

    static final short USER_PROCESS = 7;
    static final short DEAD_PROCESS = 8;
    static final int LINE_BYTES = 32;
    static final int ID_BYTES = 4;
    static final int USER_BYTES = 32;
    static final int HOST_BYTES = 256;

    /**
     * glibc's struct utmpx on x86_64 (bits/utmpx.h with __WORDSIZE_TIME64_COMPAT32, so ut_session
     * and ut_tv are 32-bit), 384 bytes, aligned to 4. The offsets, printed by gcc 12 with
     * offsetof() on Debian 12 (glibc 2.36): ut_type 0 (short), ut_pid 4 (int), ut_line 8 (32),
     * ut_id 40 (4), ut_user 44 (32), ut_host 76 (256), ut_exit 332 (e_termination 332,
     * e_exit 334, shorts), ut_session 336 (int32), ut_tv 340 (tv_sec 340, tv_usec 344, int32),
     * ut_addr_v6 348 (int32[4]), __glibc_reserved 364 (20). aarch64 has the same layout.
     */
    static final StructLayout UTMPX = MemoryLayout.structLayout(
            JAVA_SHORT.withName("ut_type"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("ut_pid"),
            MemoryLayout.sequenceLayout(LINE_BYTES, JAVA_BYTE).withName("ut_line"),
            MemoryLayout.sequenceLayout(ID_BYTES, JAVA_BYTE).withName("ut_id"),
            MemoryLayout.sequenceLayout(USER_BYTES, JAVA_BYTE).withName("ut_user"),
            MemoryLayout.sequenceLayout(HOST_BYTES, JAVA_BYTE).withName("ut_host"),
            JAVA_SHORT.withName("e_termination"),
            JAVA_SHORT.withName("e_exit"),
            JAVA_INT.withName("ut_session"),
            JAVA_INT.withName("tv_sec"),
            JAVA_INT.withName("tv_usec"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("ut_addr_v6"),
            MemoryLayout.sequenceLayout(20, JAVA_BYTE).withName("reserved"));

    private static final long TYPE = offset("ut_type");
    private static final long PID = offset("ut_pid");
    private static final long LINE = offset("ut_line");
    private static final long ID = offset("ut_id");
    private static final long USER = offset("ut_user");
    private static final long HOST = offset("ut_host");
    private static final long TERMINATION = offset("e_termination");
    private static final long EXIT = offset("e_exit");
    private static final long TV_SEC = offset("tv_sec");
    private static final long TV_USEC = offset("tv_usec");

    static {
        if (UTMPX.byteSize() != 384 || HOST != 76 || TV_SEC != 340) {
            throw new AssertionError("struct utmpx is laid out wrongly: " + UTMPX);
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle UTMPXNAME = bind("utmpxname", FunctionDescriptor.of(JAVA_INT, ADDRESS), ERRNO_OPT);
    private static final MethodHandle SETUTXENT = bind("setutxent", FunctionDescriptor.ofVoid());
    private static final MethodHandle ENDUTXENT = bind("endutxent", FunctionDescriptor.ofVoid());
    private static final MethodHandle GETUTXID = bind("getutxid", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPT);
    private static final MethodHandle PUTUTXLINE = bind("pututxline", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPT);
    private static final MethodHandle UPDWTMPX = bind("updwtmpx", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), ERRNO_OPT);

    private static final Utmp SYSTEM = new Utmp(Path.of("/var/run/utmp"), Path.of("/var/log/wtmp"));
    private static final AtomicBoolean toldNotRoot = new AtomicBoolean();
    private static final ReentrantLock lock = new ReentrantLock();

    private final Path utmp;
    private final Path wtmp;

    /** The files to write; {@link #SYSTEM} is the system's pair, the tests name others. */
    Utmp(Path utmp, Path wtmp) {
        this.utmp = utmp;
        this.wtmp = wtmp;
    }

    /**
     * Records that {@code user} logged on to {@code line} from {@code host} at {@code at}: a
     * USER_PROCESS record of {@code pid} (the session's program) in utmp and the same record
     * appended to wtmp. {@code line} is the terminal's name below /dev ("pts/3", as ptsname gives
     * it less its "/dev/", which is also accepted); {@code host} may be empty.
     *
     * @throws IOException when glibc could not write a file; the sentence names it and the reason
     * @throws IllegalArgumentException when the line or the user is empty
     */
    public static void loggedIn(int pid, String line, String user, String host, Instant at) throws IOException {
        SYSTEM.in(pid, line, user, host, at);
    }

    /**
     * Records that the session of {@code pid} on {@code line} ended at {@code at} with
     * {@code exitCode} (as the keeper reports it: 0 to 255 for an exit, 128 + n for a death by
     * signal n, which becomes ut_exit's e_termination; an exit(130) therefore reads as SIGINT, as a
     * shell's $? does): a DEAD_PROCESS record in the line's utmp slot and on wtmp. A slot that another pid
     * holds by now (the line was reused) is left alone, and nothing is appended to wtmp either.
     *
     * @throws IOException when glibc could not write a file; the sentence names it and the reason
     * @throws IllegalArgumentException when the line is empty
     */
    public static void loggedOut(int pid, String line, int exitCode, Instant at) throws IOException {
        SYSTEM.out(pid, line, exitCode, at);
    }

    void in(int pid, String line, String user, String host, Instant at) throws IOException {
        String tty = line(line);
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException("cannot record a log-on on " + tty + " without a user name");
        }
        if (!root()) {
            return;
        }
        String what = "the log-on of " + user + " on " + tty;
        store(what, 0, arena -> {
            MemorySegment record = record(arena, USER_PROCESS, pid, tty, at);
            put(record, USER, field(user, USER_BYTES));
            put(record, HOST, field(host == null ? "" : host, HOST_BYTES));
            return record;
        });
    }

    void out(int pid, String line, int exitCode, Instant at) throws IOException {
        String tty = line(line);
        if (!root()) {
            return;
        }
        String what = "the log-off of pid " + pid + " on " + tty;
        store(what, pid, arena -> {
            MemorySegment record = record(arena, DEAD_PROCESS, pid, tty, at);
            boolean signalled = exitCode > 128 && exitCode < 128 + 65;
            record.set(JAVA_SHORT, TERMINATION, (short) (signalled ? exitCode - 128 : 0));
            record.set(JAVA_SHORT, EXIT, (short) (signalled ? 0 : exitCode & 0xff));
            return record;
        });
    }

    /**
     * Writes the record {@code make} builds into utmp (pututxline) and appends it to wtmp, under the
     * lock. A log-off ({@code ownPid} not 0) leaves a slot alone that another pid holds as a live
     * log-on by now: its line was handed on.
     */
    private void store(String what, int ownPid, java.util.function.Function<Arena, MemorySegment> make) throws IOException {
        lock.lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = make.apply(arena);
            MemorySegment err = arena.allocate(CAPTURE);
            open(arena, err, what);
            try {
                if (ownPid != 0) {
                    // getutxid finds the slot by ut_id for every type from INIT_PROCESS to DEAD_PROCESS.
                    MemorySegment found = ((MemorySegment) GETUTXID.invokeExact(err, record)).reinterpret(UTMPX.byteSize());
                    if (found.address() != 0 && found.get(JAVA_SHORT, TYPE) == USER_PROCESS
                            && found.get(JAVA_INT, PID) != ownPid) {
                        log.debug("{} is not recorded: pid {} holds the line's utmp slot by now", what, found.get(JAVA_INT, PID));
                        return;
                    }
                }
                MemorySegment written = (MemorySegment) PUTUTXLINE.invokeExact(err, record);
                if (written.address() == 0) {
                    throw failure(what, utmp, err);
                }
            } finally {
                ENDUTXENT.invokeExact();
            }
            append(arena, err, record, what);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        } finally {
            lock.unlock();
        }
    }

    /** Points glibc at {@link #utmp} (created if missing) and rewinds it, as login does. */
    private void open(Arena arena, MemorySegment err, String what) throws Throwable {
        create(utmp, what);
        if ((int) UTMPXNAME.invokeExact(err, arena.allocateFrom(utmp.toString())) != 0) {
            throw failure(what, utmp, err);
        }
        SETUTXENT.invokeExact();
    }

    /**
     * updwtmpx returns nothing and leaves errno as it was when it succeeds, so success is told
     * by the file: it grew by a record (after glibc cut a torn last record off, if there was one).
     */
    private void append(Arena arena, MemorySegment err, MemorySegment record, String what) throws Throwable {
        create(wtmp, what);
        long before = size(wtmp);
        UPDWTMPX.invokeExact(err, arena.allocateFrom(wtmp.toString()), record);
        if (size(wtmp) < before - before % UTMPX.byteSize() + UTMPX.byteSize()) {
            throw failure(what, wtmp, err);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Creates {@code file} as systemd-tmpfiles would (0664 root:utmp) when it does not exist; glibc never creates it. */
    private static void create(Path file, String what) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            return; // made by someone else meanwhile, with the modes they chose
        } catch (NoSuchFileException e) {
            throw new IOException("cannot record " + what + ": " + file.getParent() + " does not exist");
        } catch (FileSystemException e) {
            throw new IOException("cannot record " + what + ": cannot create " + file + ": "
                    + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()));
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--")); // the umask left aside
        var view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        try {
            view.setGroup(file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("utmp"));
        } catch (UserPrincipalNotFoundException e) {
            log.warn("created {} with group root: this system has no group utmp", file);
            return;
        }
        log.info("created {} (0664 root:utmp), which did not exist", file);
    }

    private static boolean root() {
        if (LibC.geteuid() == 0) {
            return true;
        }
        if (toldNotRoot.compareAndSet(false, true)) {
            log.info("sessions are not recorded in utmp and wtmp: only root may write them, and this process runs as uid {}",
                    LibC.geteuid());
        }
        return false;
    }

    /** A zeroed record of {@code type} with pid, line, id and time set. */
    private static MemorySegment record(Arena arena, short type, int pid, String line, Instant at) {
        MemorySegment record = arena.allocate(UTMPX); // zeroed
        record.set(JAVA_SHORT, TYPE, type);
        record.set(JAVA_INT, PID, pid);
        byte[] name = field(line, LINE_BYTES);
        put(record, LINE, name);
        put(record, ID, id(name));
        record.set(JAVA_INT, TV_SEC, (int) at.getEpochSecond());
        record.set(JAVA_INT, TV_USEC, at.getNano() / 1000);
        return record;
    }

    /** The line below /dev: "pts/3" from "pts/3" or "/dev/pts/3". */
    static String line(String line) {
        String tty = line == null ? "" : line.startsWith("/dev/") ? line.substring("/dev/".length()) : line;
        if (tty.isEmpty()) {
            throw new IllegalArgumentException("cannot record a log-on or log-off without a terminal line (as pts/3)");
        }
        return tty;
    }

    /** ut_id: the line's last four bytes, as sshd's line_abbrevname makes it ("ts/3" for pts/3). */
    static byte[] id(byte[] line) {
        return Arrays.copyOfRange(line, Math.max(0, line.length - ID_BYTES), line.length);
    }

    /**
     * {@code value} in UTF-8, control characters replaced by '?', cut to at most {@code size}
     * bytes without splitting a character. A field that fills its array has no NUL, as in C.
     */
    static byte[] field(String value, int size) {
        StringBuilder clean = new StringBuilder(value.length());
        value.codePoints().forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        byte[] utf8 = clean.toString().getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= size) {
            return utf8;
        }
        int end = size;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // utf8[end], the first byte left out, continues a character: leave out all of it
        }
        return Arrays.copyOf(utf8, end);
    }

    private static void put(MemorySegment record, long offset, byte[] bytes) {
        MemorySegment.copy(bytes, 0, record, JAVA_BYTE, offset, bytes.length);
    }

    private static IOException failure(String what, Path file, MemorySegment err) {
        return new IOException("cannot record " + what + " in " + file + ": " + LibC.strerror((int) ERRNO.get(err, 0L)));
    }

    private static long offset(String field) {
        return UTMPX.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
