package dev.tether.pty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a server finds its keeper: it connects to the one running for the runtime folder, and when
 * none runs it starts one with {@code command} + the folder — detached, in its own session and
 * process group (so Ctrl-C on {@code serve} does not reach it), output appended to
 * {@code keeper.log} in the folder — and waits up to {@code patience} for it to listen.
 */
public record KeeperProcess(List<String> command, Duration patience) {
    private static final Logger log = LoggerFactory.getLogger(KeeperProcess.class);
    public static final String LOG = "keeper.log";
    /** The system property that names a build; {@link #thisJvm} passes it to the keeper. */
    public static final String BUILD_PROPERTY = "tether.build";
    private static volatile String computedBuild;

    public KeeperProcess {
        command = List.copyOf(command);
    }

    /**
     * A keeper in a JVM like this one, from the same class path: small heap, serial GC, no JIT
     * beyond C1 (it does little, and little of it often), told this JVM's {@link #build}.
     */
    public static KeeperProcess thisJvm() {
        return thisJvm(false);
    }

    /** As {@link #thisJvm()}; a keeper that, as root, also starts sessions of root and of system accounts when {@code allowRootSessions}. */
    public static KeeperProcess thisJvm(boolean allowRootSessions) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        var command = new ArrayList<>(List.of(java, "-Xmx64m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED", "-D" + BUILD_PROPERTY + "=" + build()));
        if (allowRootSessions) {
            command.add("-D" + Keeper.ALLOW_ROOT_PROPERTY + "=true");
        }
        command.addAll(List.of("-cp", classPath(), KeeperMain.class.getName()));
        return new KeeperProcess(command, Duration.ofSeconds(15));
    }

    /**
     * Which build of Tether this JVM runs: the system property {@code tether.build} when set (a
     * keeper is started with it), else the size and modification time of the jar this class came
     * from ({@code jar-SIZE-MTIME}), or {@code dev} for a classes directory. A replaced jar is
     * another build; that is all the keeper's upgrade needs to tell them apart.
     */
    public static String build() {
        String named = System.getProperty(BUILD_PROPERTY);
        if (named != null && !named.isBlank()) {
            return named;
        }
        String build = computedBuild;
        if (build == null) {
            computedBuild = build = codeSourceBuild();
        }
        return build;
    }

    private static String codeSourceBuild() {
        try {
            var source = KeeperProcess.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return "dev";
            }
            Path where = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(where)) {
                return "dev";
            }
            return "jar-" + Files.size(where) + "-" + Files.getLastModifiedTime(where).toMillis();
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * This JVM's class path, with its module path in front when it has one (a test run on the module
     * path), every entry made absolute: the keeper runs in its own folder.
     */
    static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return absolute(modules.isEmpty() ? classes : classes.isEmpty() ? modules : modules + java.io.File.pathSeparator + classes);
    }

    /** {@code classPath} with each entry resolved against this JVM's working directory. */
    static String absolute(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /** Connects to the keeper of {@code dir}, starting one if none answers. */
    KeeperLink connect(Path dir, boolean rootSessions) {
        return reach(dir, () -> KeeperLink.connect(dir, rootSessions));
    }

    /**
     * Makes sure a keeper runs for {@code dir}, starting one (as this process's account) if none
     * answers; returns its pid. Unlike {@link #connect} it takes nothing over.
     */
    public long ensureRunning(Path dir) {
        return reach(dir, () -> Keeper.status(dir, Duration.ofSeconds(5))).pid();
    }

    /** One way of reaching a keeper: a connection, a status. */
    @FunctionalInterface
    private interface Reach<T> {
        T get() throws IOException;
    }

    /**
     * Reaches the keeper of {@code dir} with {@code reach}; when none answers there, starts one and
     * tries again until it answers or {@link #patience} has passed. A keeper that answers with a
     * refusal is not waited for.
     */
    private <T> T reach(Path dir, Reach<T> reach) {
        IOException last;
        try {
            return reach.get();
        } catch (IOException e) {
            last = e;
            if (!absent(e)) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        int pid = start(dir);
        long until = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() - until < 0) {
            try {
                T answer = reach.get();
                log.info("started the session keeper (pid {}) for {}", pid, dir);
                return answer;
            } catch (IOException e) {
                last = e;
                if (!absent(e)) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(50); // the keeper's JVM is starting; nothing to wait on but its socket
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new UncheckedIOException("the session keeper started for " + dir + " (pid " + pid + ") did not answer within "
                + patience.toSeconds() + " s; see " + dir.resolve(LOG), last);
    }

    /** No keeper listens there (no socket file, or nobody behind it). */
    private static boolean absent(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No such file") || m.contains("Connection refused");
    }

    private int start(Path dir) {
        try {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the keeper's folder " + dir + ": " + e.getMessage(), e);
        }
        var argv = new ArrayList<>(command);
        argv.add(dir.toAbsolutePath().toString());
        Map<String, String> env = new TreeMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("TETHER_")); // the master key, say, is the server's alone
        try (Arena arena = Arena.ofConfined()) {
            return new PtySpawner(arena).spawnDetached(argv, env, dir, dir.resolve(LOG));
        }
    }
}
