package dev.tether.pty;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.TerminalSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a PTY and starts a program in it with posix_spawn, from the calling thread.
 *
 * <p>The child is the leader of a new session (POSIX_SPAWN_SETSID runs before the file actions
 * in glibc), opens the slave on fd 0 — which makes it its controlling terminal — dups it to 1
 * and 2, closes every other descriptor, starts in the spec's directory with exactly the spec's
 * environment, an empty signal mask and default signal dispositions. The program is resolved
 * here, against the spec's PATH, so that a missing program is reported before anything starts.
 *
 * <p><b>A log-on</b> ({@link TerminalSpec#logOn}, root only) runs the program as its Linux account,
 * as login(1) would: the account is looked up here (the request names it, nothing more), uid 0 and
 * system accounts are refused unless {@code allowRootSessions}; the slave is the account's (group
 * tty, mode 0620). The child is {@link LogOnLeader tether-logon}: it opens the log-on's PAM session
 * (when the service is installed), forks the program with the uid, gid and the groups of initgroups,
 * the login environment (HOME, USER, LOGNAME, SHELL and PATH as login sets them, over the request's,
 * over PAM's) in the home directory, and closes the session when the program ends. It tells on fd 3
 * whether the program started, so a refusal (PAM's, say) is this spawn's error, not a session that
 * ends at once. Without tether-logon in the build, util-linux's setpriv and env(1) start the program
 * the same way but with no PAM session. Either runs with an empty environment and gets everything in
 * its arguments: nothing the request says (LD_PRELOAD, say) reaches a process that still is root.
 */
final class PtySpawner {
    /** Where the kernel and glibc put a program when PATH is unset (confstr _CS_PATH). */
    private static final String DEFAULT_PATH = "/bin:/usr/bin";

    /** @param tty the terminal of a log-on ("pts/N"), for utmp; null for any other session */
    record Spawned(int pid, int masterFd, int pidFd, String tty) {
        Spawned(int pid, int masterFd, int pidFd) {
            this(pid, masterFd, pidFd, null);
        }
    }

    /** The PAM service of a log-on's session, opened only when installed (else PAM would use /etc/pam.d/other). */
    static final String PAM_SERVICE = "tether";

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path ENV = Path.of("/usr/bin/env");

    /** Read-only after construction, so concurrent posix_spawn calls may share it. */
    private final MemorySegment attributes;
    private final boolean allowRootSessions;
    private final String pamService;

    PtySpawner(Arena arena) {
        this(arena, false);
    }

    /** @param allowRootSessions whether a log-on may be one of root or of a system account ({@code --allow-root-sessions}) */
    PtySpawner(Arena arena, boolean allowRootSessions) {
        this(arena, allowRootSessions, PAM_SERVICE);
    }

    /** @param pamService the PAM service of log-ons' sessions (a test's own) */
    PtySpawner(Arena arena, boolean allowRootSessions, String pamService) {
        this.allowRootSessions = allowRootSessions;
        this.pamService = pamService;
        attributes = arena.allocate(LibC.SPAWNATTR_BYTES, 16);
        LibC.initSpawnAttributes(attributes, arena.allocate(LibC.SIGSET_BYTES, 8), arena.allocate(LibC.SIGSET_BYTES, 8));
    }

    /**
     * A log-on as the spawn makes it: the account, its login environment, the program, the slave's
     * group, the client's host, and what starts it (tether-logon, else setpriv).
     */
    private record AsAccount(LinuxAccounts.Account account, Map<String, String> env, Path executable, List<String> args, Path home,
                             int ttyGroup, String host, Optional<Path> leader) {
        Path starter() {
            return leader.orElse(SETPRIV);
        }

        /** tether-logon's arguments (see its source), or setpriv's then env -i's; {@code pamService} null for none. */
        List<String> argv(String tty, String pamService) {
            List<String> variables = environment(env);
            var argv = new java.util.ArrayList<String>();
            if (leader.isPresent()) {
                argv.addAll(List.of("tether-logon", pamService == null ? "-" : pamService, account.name(),
                        Integer.toString(account.uid()), Integer.toString(account.gid()), home.toString(), tty,
                        host == null ? "" : host, Integer.toString(variables.size())));
            } else {
                argv.addAll(List.of(SETPRIV.toString(), "--reuid=" + account.uid(), "--regid=" + account.gid(), "--init-groups", "--",
                        ENV.toString(), "-i"));
            }
            argv.addAll(variables);
            argv.add(executable.toString());
            argv.addAll(args);
            return checked(argv);
        }
    }

    /** A spawn in the server's own process, whose --allow-root-sessions this spawner's is. */
    Spawned spawn(TerminalSpec spec) {
        return spawn(spec, allowRootSessions);
    }

    /**
     * @param serverAllowsRoot whether the asking server runs with --allow-root-sessions: a log-on of
     *     root or of a system account needs it and this spawner's own {@code allowRootSessions}
     */
    Spawned spawn(TerminalSpec spec, boolean serverAllowsRoot) {
        String program = spec.command().getFirst();
        AsAccount as = spec.logOn() == null ? null : logOn(spec, serverAllowsRoot);
        Path directory = as != null ? as.home() : spec.workingDirectory().toAbsolutePath();
        if (!Files.isDirectory(directory)) {
            throw cannotStart(program, "the working directory " + directory
                    + (Files.exists(directory) ? " is not a directory" : " does not exist"));
        }
        Path executable = as != null ? as.starter() : resolve(program, spec.environment(), directory);
        List<String> argv = as != null ? null : checked(spec.command()); // a log-on's is made once its terminal is known
        List<String> envp = as != null ? List.of() : checked(environment(spec.environment()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            int master = LibC.posixOpenpt(err, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
            if (master < 0) {
                throw cannotStart(program, "no pseudo-terminal is available (" + LibC.strerror(-master)
                        + "; see kernel.pty.max)");
            }
            try {
                return spawnOn(master, executable, argv, envp, directory, as, spec, arena, err);
            } catch (RuntimeException e) {
                LibC.close(master);
                throw e;
            }
        }
    }

    private Spawned spawnOn(int master, Path executable, List<String> argv, List<String> envp, Path directory, AsAccount as,
                            TerminalSpec spec, Arena arena, MemorySegment err) {
        String program = spec.command().getFirst();
        MemorySegment slaveName = arena.allocate(128);
        int r = LibC.grantpt(err, master);
        if (r == 0) r = LibC.unlockpt(err, master);
        if (r == 0) r = -LibC.ptsnameR(master, slaveName);
        if (r == 0) {
            int flags = LibC.fcntl(err, master, LibC.F_GETFL, 0);
            r = flags < 0 ? flags : LibC.fcntl(err, master, LibC.F_SETFL, flags | LibC.O_NONBLOCK);
        }
        if (r == 0) {
            MemorySegment size = arena.allocate(8, 2);
            size.set(JAVA_SHORT, 0, (short) spec.rows());
            size.set(JAVA_SHORT, 2, (short) spec.cols());
            r = LibC.ioctl(err, master, LibC.TIOCSWINSZ, size);
        }
        if (r == 0 && utf8(spec.environment())) {
            r = setIutf8(master, arena, err);
        }
        if (r == 0 && as != null) {
            r = LinuxAccounts.own(Path.of(slaveName.getString(0)), as.account().uid(), as.ttyGroup(), 0620); // as login leaves it
        }
        if (r < 0) {
            throw cannotStart(program, "setting up the pseudo-terminal failed: " + LibC.strerror(-r));
        }
        String tty = as == null ? null : slaveName.getString(0).replaceFirst("^/dev/", "");
        if (as != null) {
            argv = as.argv(tty, Files.isRegularFile(Path.of("/etc/pam.d", pamService)) ? pamService : null);
        }
        int[] status = {-1, -1};
        if (as != null && as.leader().isPresent()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int piped = LibC.pipe2(err, fds, LibC.O_CLOEXEC);
            if (piped < 0) {
                throw cannotStart(program, "pipe2 failed: " + LibC.strerror(-piped));
            }
            status[0] = fds.getAtIndex(JAVA_INT, 0);
            status[1] = fds.getAtIndex(JAVA_INT, 1);
        }

        MemorySegment actions = arena.allocate(LibC.FILE_ACTIONS_BYTES, 16);
        int failed = LibC.initFileActions(actions, arena.allocateFrom(directory.toString()), slaveName, status[1]);
        try {
            if (failed != 0) {
                throw cannotStart(program, "preparing the file actions failed: " + LibC.strerror(failed));
            }
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            failed = LibC.posixSpawn(pidOut, arena.allocateFrom(executable.toString()), actions, attributes,
                    strings(arena, argv), strings(arena, envp));
            if (failed != 0) {
                throw cannotStart(program, LibC.strerror(failed));
            }
            int pid = pidOut.get(JAVA_INT, 0);
            if (status[1] >= 0) {
                LibC.close(status[1]);
                status[1] = -1;
                String refusal = readAll(status[0], arena, err);
                if (!refusal.isEmpty()) { // tether-logon exits at once then
                    LibC.waitpid(err, pid, arena.allocate(JAVA_INT), 0);
                    throw refused(refusal);
                }
            }
            int pidFd = LibC.pidfdOpen(err, pid);
            if (pidFd < 0) {
                LibC.kill(err, pid, LibC.SIGKILL);
                LibC.waitpid(err, pid, arena.allocate(JAVA_INT), 0);
                throw cannotStart(program, "pidfd_open failed: " + LibC.strerror(-pidFd));
            }
            return new Spawned(pid, master, pidFd, tty);
        } finally {
            LibC.destroyFileActions(actions);
            for (int fd : status) {
                if (fd >= 0) {
                    LibC.close(fd);
                }
            }
        }
    }

    /** What tether-logon wrote on its status pipe until it closed it (empty: the program started). */
    private static String readAll(int fd, Arena arena, MemorySegment err) {
        MemorySegment buffer = arena.allocate(1024);
        var text = new java.io.ByteArrayOutputStream();
        while (text.size() < 4096) {
            long n = LibC.read(err, fd, buffer, buffer.byteSize());
            if (n == -LibC.EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            text.write(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, (int) n);
        }
        return text.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    /** tether-logon's refusal, "CODE sentence", as the exception it stands for. */
    private static TetherException refused(String text) {
        int space = text.indexOf(' ');
        ResultCode code;
        try {
            code = space > 0 ? ResultCode.valueOf(text.substring(0, space)) : ResultCode.INTERNAL;
        } catch (IllegalArgumentException e) {
            code = ResultCode.INTERNAL;
        }
        return new TetherException(code, space > 0 && code != ResultCode.INTERNAL ? text.substring(space + 1) : text);
    }

    /**
     * Checks the log-on the spec asks for, and makes it: refuses what no log-on would be (no root,
     * no account, a system account without {@code allowRootSessions}) with a sentence naming the
     * account and the reason.
     */
    private AsAccount logOn(TerminalSpec spec, boolean serverAllowsRoot) {
        String name = spec.logOn().account();
        if (!LinuxAccounts.validName(name)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "'" + name + "' is not a valid Linux account name");
        }
        if (LibC.geteuid() != 0) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot start a session as the Linux account " + name
                    + ": this keeper does not run as root, so every session runs as its own account");
        }
        LinuxAccounts.Account account = LinuxAccounts.byName(name).orElseThrow(() -> new TetherException(ResultCode.NOT_FOUND,
                "cannot start a session as the Linux account " + name + ": there is no such account on this host"));
        int uidMin = LinuxAccounts.uidMin();
        if (!(allowRootSessions && serverAllowsRoot) && (account.uid() == 0 || account.uid() < uidMin)) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot start a session as the Linux account " + name
                    + " (uid " + account.uid() + "): " + (account.uid() == 0 ? "root" : "system accounts (uid below UID_MIN "
                    + uidMin + " of /etc/login.defs)") + " may not log on " + (serverAllowsRoot
                    ? "because the session keeper was started without --allow-root-sessions (it keeps the setting it was"
                            + " started with: 'tether keeper stop' logs everybody off, then serve --allow-root-sessions starts a new one)"
                    : "unless the server runs with --allow-root-sessions"));
        }
        Optional<Path> leader = LogOnLeader.path();
        if (leader.isEmpty() && (!Files.isExecutable(SETPRIV) || !Files.isExecutable(ENV))) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot start a session as " + name + ": " + SETPRIV + " and "
                    + ENV + " (util-linux, coreutils) are needed to start a program as another account");
        }
        Path home = Files.isDirectory(account.home()) ? account.home() : Path.of("/"); // as login: "No directory, logging in with HOME=/"
        String shell = account.shell().isEmpty() ? "/bin/sh" : account.shell();
        var env = new java.util.LinkedHashMap<>(spec.environment());
        env.put("HOME", home.toString());
        env.put("USER", account.name());
        env.put("LOGNAME", account.name());
        env.put("SHELL", shell);
        env.put("PATH", LinuxAccounts.loginPath(account.uid()));
        String program = spec.command().getFirst();
        Path executable = resolve(program, env, home);
        if (executable.toString().indexOf('=') >= 0) {
            throw cannotStart(program, "env(1) would take a path with '=' for a variable");
        }
        int tty = LinuxAccounts.groupId("tty").orElse(account.gid());
        return new AsAccount(account, Map.copyOf(env), executable, List.copyOf(spec.command().subList(1, spec.command().size())),
                home, tty, spec.logOn().host(), leader);
    }

    /**
     * Starts a program with no terminal as the leader of a new session and process group (a
     * daemon: Ctrl-C on the caller's terminal does not reach it), stdin from /dev/null, stdout and
     * stderr appended to {@code log} (created 0600), every other descriptor closed. Returns its pid;
     * the caller reaps it if it exits first.
     */
    int spawnDetached(List<String> argv, Map<String, String> environment, Path directory, Path log) {
        String program = argv.getFirst();
        Path executable = resolve(program, environment, directory);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(LibC.FILE_ACTIONS_BYTES, 16);
            int failed = LibC.initDaemonFileActions(actions, arena.allocateFrom(directory.toAbsolutePath().toString()),
                    arena.allocateFrom("/dev/null"), arena.allocateFrom(log.toAbsolutePath().toString()));
            try {
                if (failed != 0) {
                    throw cannotStart(program, "preparing the file actions failed: " + LibC.strerror(failed));
                }
                MemorySegment pidOut = arena.allocate(JAVA_INT);
                failed = LibC.posixSpawn(pidOut, arena.allocateFrom(executable.toString()), actions, attributes,
                        strings(arena, checked(argv)), strings(arena, checked(environment(environment))));
                if (failed != 0) {
                    throw cannotStart(program, LibC.strerror(failed));
                }
                return pidOut.get(JAVA_INT, 0);
            } finally {
                LibC.destroyFileActions(actions);
            }
        }
    }

    /**
     * Whether the session's locale (LC_ALL, else LC_CTYPE, else LANG, as setlocale picks) is UTF-8 or
     * plain ASCII (none, C, POSIX), for which UTF-8 erase changes nothing. A locale naming another
     * character set, or no character set at all (glibc's {@code de_DE} is ISO-8859-1), keeps byte-wise erase.
     */
    static boolean utf8(Map<String, String> environment) {
        String locale = "";
        for (String name : List.of("LC_ALL", "LC_CTYPE", "LANG")) {
            locale = environment.getOrDefault(name, "");
            if (!locale.isEmpty()) {
                break;
            }
        }
        if (locale.isEmpty() || locale.equals("C") || locale.equals("POSIX")) {
            return true;
        }
        int dot = locale.indexOf('.');
        if (dot < 0) {
            return false;
        }
        int at = locale.indexOf('@', dot);
        String codeset = locale.substring(dot + 1, at < 0 ? locale.length() : at).replace("-", "").toLowerCase(java.util.Locale.ROOT);
        return codeset.equals("utf8");
    }

    /** Sets IUTF8 on the slave (through the master), so that Backspace in canonical mode erases a whole character. */
    private static int setIutf8(int master, Arena arena, MemorySegment err) {
        MemorySegment termios = arena.allocate(LibC.TERMIOS_BYTES, 4);
        int r = LibC.tcgetattr(err, master, termios);
        if (r == 0) {
            termios.set(JAVA_INT, 0, termios.get(JAVA_INT, 0) | LibC.IUTF8);
            r = LibC.tcsetattr(err, master, LibC.TCSANOW, termios);
        }
        return r;
    }

    /** The program as posix_spawnp would find it, relative names taken from the working directory. */
    static Path resolve(String program, Map<String, String> environment, Path directory) {
        if (program.isEmpty()) {
            throw cannotStart(program, "the program name is empty");
        }
        if (program.indexOf('/') >= 0) {
            Path candidate = directory.resolve(program);
            if (!Files.exists(candidate)) {
                throw cannotStart(program, "no such file");
            }
            if (Files.isDirectory(candidate)) {
                throw cannotStart(program, "it is a directory");
            }
            if (!Files.isExecutable(candidate)) {
                throw cannotStart(program, "permission denied (not executable)");
            }
            return candidate;
        }
        String path = environment.getOrDefault("PATH", DEFAULT_PATH);
        boolean foundButNotExecutable = false;
        for (String entry : path.split(":", -1)) {
            Path candidate = directory.resolve(entry.isEmpty() ? "." : entry).resolve(program);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
                foundButNotExecutable = true;
            }
        }
        throw cannotStart(program, foundButNotExecutable
                ? "found in PATH but not executable (PATH=" + path + ")"
                : "not found in PATH=" + path);
    }

    private static List<String> environment(Map<String, String> environment) {
        return environment.entrySet().stream().map(e -> {
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER,
                        "the environment variable name '" + e.getKey() + "' is empty or contains '='");
            }
            return e.getKey() + "=" + e.getValue();
        }).toList();
    }

    private static List<String> checked(List<String> values) {
        for (String value : values) {
            if (value.indexOf('\0') >= 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER,
                        "the argument or variable '" + value.replace('\0', '?') + "' contains a NUL character");
            }
        }
        return values;
    }

    /** A NULL-terminated array of C strings (argv, envp). */
    static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static TetherException cannotStart(String program, String reason) {
        return new TetherException(ResultCode.INVALID_PARAMETER, "cannot start " + program + ": " + reason);
    }
}
