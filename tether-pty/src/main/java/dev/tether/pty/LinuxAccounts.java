package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Linux accounts as a log-on finds them: the name service (getpwnam_r, so LDAP or SSSD accounts
 * count as much as /etc/passwd's) and the rules of /etc/login.defs.
 *
 * <p>{@code struct passwd} on x86_64 glibc: pw_name @0, pw_passwd @8, pw_uid @16, pw_gid @20,
 * pw_gecos @24, pw_dir @32, pw_shell @40 (48 bytes); {@code struct group}: gr_name @0,
 * gr_passwd @8, gr_gid @16, gr_mem @24 (32 bytes).
 */
final class LinuxAccounts {
    /** A Linux account: what a log-on needs of it. */
    record Account(String name, int uid, int gid, Path home, String shell) {
    }

    /** The names useradd accepts (Debian's NAME_REGEX, with '$' for machine accounts), at most 32 bytes. */
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,30}\\$?");
    private static final Path LOGIN_DEFS = Path.of("/etc/login.defs");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPWNAM_R = bind("getpwnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGRNAM_R = bind("getgrnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CHOWN = bind("chown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CHMOD = bind("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final int ERANGE = 34;

    private LinuxAccounts() {
    }

    /** Whether {@code name} is one useradd would accept; anything else is refused before any lookup. */
    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The account named {@code name}, if the name service knows it. */
    static Optional<Account> byName(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pwd = arena.allocate(48, 8);
            MemorySegment result = arena.allocate(ADDRESS);
            MemorySegment cName = arena.allocateFrom(name);
            for (long size = 1024; ; size *= 4) {
                MemorySegment buffer = arena.allocate(size);
                int r = (int) GETPWNAM_R.invokeExact(cName, pwd, buffer, size, result);
                if (r == ERANGE && size < (1 << 20)) {
                    continue;
                }
                if (r != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    return Optional.empty();
                }
                return Optional.of(new Account(string(pwd, 0), pwd.get(JAVA_INT, 16), pwd.get(JAVA_INT, 20),
                        Path.of(string(pwd, 32)), string(pwd, 40)));
            }
        } catch (Throwable t) {
            throw new IllegalStateException("getpwnam_r failed", t);
        }
    }

    /** The id of the group {@code name}, if there is one. */
    static Optional<Integer> groupId(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment grp = arena.allocate(32, 8);
            MemorySegment result = arena.allocate(ADDRESS);
            MemorySegment cName = arena.allocateFrom(name);
            for (long size = 4096; ; size *= 4) {
                MemorySegment buffer = arena.allocate(size);
                int r = (int) GETGRNAM_R.invokeExact(cName, grp, buffer, size, result);
                if (r == ERANGE && size < (1 << 24)) {
                    continue;
                }
                if (r != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    return Optional.empty();
                }
                return Optional.of(grp.get(JAVA_INT, 16));
            }
        } catch (Throwable t) {
            throw new IllegalStateException("getgrnam_r failed", t);
        }
    }

    /** chown of {@code path} (not following a symbolic link's target is not needed here: the paths are our own); 0 or -errno. */
    static int chown(Path path, int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            int r = (int) CHOWN.invokeExact(err, arena.allocateFrom(path.toString()), uid, gid);
            return r == 0 ? 0 : -LibC.errno(err);
        } catch (Throwable t) {
            throw new IllegalStateException("chown failed", t);
        }
    }

    /** chown then chmod of {@code path}; 0, or the errno of the call that failed (negated). */
    static int own(Path path, int uid, int gid, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            int r = (int) CHOWN.invokeExact(err, cPath, uid, gid);
            if (r == 0) {
                r = (int) CHMOD.invokeExact(err, cPath, mode);
            }
            return r == 0 ? 0 : -LibC.errno(err);
        } catch (Throwable t) {
            throw new IllegalStateException("chown/chmod failed", t);
        }
    }

    /** The lowest uid of an ordinary account: {@code UID_MIN} of /etc/login.defs, 1000 by default. */
    static int uidMin() {
        return loginDefs("UID_MIN").map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return 1000;
            }
        }).orElse(1000);
    }

    /** PATH as login sets it for the account: ENV_SUPATH for root, ENV_PATH else (login.defs writes them "PATH=…"). */
    static String loginPath(int uid) {
        String fallback = uid == 0 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                : "/usr/local/bin:/usr/bin:/bin:/usr/games";
        return loginDefs(uid == 0 ? "ENV_SUPATH" : "ENV_PATH").map(v -> v.startsWith("PATH=") ? v.substring(5) : v)
                .filter(v -> !v.isBlank()).orElse(fallback);
    }

    private static Optional<String> loginDefs(String key) {
        try {
            for (String line : Files.readAllLines(LOGIN_DEFS)) {
                String[] f = line.strip().split("\\s+", 2);
                if (f.length == 2 && f[0].equals(key)) {
                    return Optional.of(f[1].strip());
                }
            }
        } catch (IOException e) {
            // no login.defs: the defaults
        }
        return Optional.empty();
    }

    private static String string(MemorySegment struct, long offset) {
        MemorySegment p = struct.get(ADDRESS, offset);
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
        if (name.equals("chown") || name.equals("chmod")) {
            return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
        }
        return LINKER.downcallHandle(symbol, descriptor);
    }
}
