package dev.tether.pty;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Privilege separation for {@code serve --multi-user} started as root: the keeper stays root (it
 * starts log-ons), the network-facing server becomes an unprivileged account. The server gives the
 * data directory to that account, then replaces itself (execve, same pid) with setpriv running the
 * same command line as the account.
 */
public final class RunAs {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    /** An account to run as. */
    public record Account(String name, int uid, int gid, Path home) {
    }

    private RunAs() {
    }

    public static boolean isRoot() {
        return LibC.geteuid() == 0;
    }

    /** The account named {@code name}, if the name service knows it. */
    public static Optional<Account> lookup(String name) {
        if (!LinuxAccounts.validName(name)) {
            return Optional.empty();
        }
        return LinuxAccounts.byName(name).map(a -> new Account(a.name(), a.uid(), a.gid(), a.home()));
    }

    /** Makes {@code dir} and everything in it the account's (chown -R; modes stay). */
    public static void give(Path dir, Account to) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                int r = LinuxAccounts.chown(p, to.uid(), to.gid());
                if (r < 0) {
                    throw new IOException("cannot give " + p + " to " + to.name() + ": " + LibC.strerror(-r));
                }
            }
        }
    }

    /** This process's command line, as the kernel keeps it. */
    public static List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        var argv = new ArrayList<String>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return argv;
    }

    /**
     * Replaces this process with {@code argv} run as {@code as} (setpriv --reuid --regid
     * --init-groups; HOME, USER and LOGNAME the account's), keeping stdin, stdout and stderr and
     * closing every other descriptor. Returns only when the exec failed, with the reason.
     */
    public static String reexec(Account as, List<String> argv) {
        if (!Files.isExecutable(SETPRIV)) {
            return SETPRIV + " (util-linux) is needed to start the server as " + as.name();
        }
        var all = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + as.uid(), "--regid=" + as.gid(), "--init-groups", "--"));
        all.addAll(argv);
        Map<String, String> env = new TreeMap<>(System.getenv());
        env.put("HOME", as.home().toString());
        env.put("USER", as.name());
        env.put("LOGNAME", as.name());
        try (Arena arena = Arena.ofConfined()) {
            String why = KeeperUpgrade.markAllCloexec(LibC.newErrno(arena));
            return why != null ? why : KeeperUpgrade.execve(all, env);
        }
    }
}
