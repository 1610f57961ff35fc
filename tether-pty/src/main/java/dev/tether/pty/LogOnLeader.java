package dev.tether.pty;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tether-logon ({@code src/main/c/tether-logon.c}), the leader of each multi-user log-on: it opens
 * the log-on's PAM session in a process of that log-on alone (pam_limits, pam_systemd and
 * pam_loginuid act on their caller, which must not be the keeper), starts the program as the account
 * and closes the session when the program ends.
 *
 * <p>The build compiles it (with {@code cc}, when there is one) into this package. A root process
 * must not run a file others could change, so it is never written to disk: at the first log-on it
 * is copied into a sealed memfd of this process and run as {@code /proc/PID/fd/N} (PID this
 * process's: the spawned child closes its copy of the fd before it runs the file). Without it (a
 * build on a machine with no C compiler) a log-on is started through setpriv, without a PAM session,
 * which is logged once.
 */
final class LogOnLeader {
    private static final Logger log = LoggerFactory.getLogger(LogOnLeader.class);
    private static final String RESOURCE = "tether-logon";
    private static final int F_ADD_SEALS = 1033;
    private static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    private LogOnLeader() {
    }

    private static final class Loaded {
        static final Optional<Path> PATH = load();
    }

    /** The leader to run, as {@code /proc/PID/fd/N}; empty when this build has none. Loaded once, at the first call. */
    static Optional<Path> path() {
        return Loaded.PATH;
    }

    private static Optional<Path> load() {
        byte[] image;
        try (InputStream in = LogOnLeader.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                log.warn("this build has no {} (it was built without a C compiler): log-ons start through setpriv,"
                        + " with no PAM session, so limits.conf, pam_env and the other session modules do not apply", RESOURCE);
                return Optional.empty();
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + " from the jar: " + e.getMessage(), e);
        }
        try (Arena a = Arena.ofConfined()) {
            var err = LibC.newErrno(a);
            int fd = LibC.memfdCreate(err, a.allocateFrom(RESOURCE), LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw new IllegalStateException("memfd_create for " + RESOURCE + " failed: " + LibC.strerror(-fd));
            }
            Path path = Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
            Files.write(path, image);
            int r = LibC.fcntl(err, fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
            if (r < 0) {
                throw new IllegalStateException("sealing " + RESOURCE + " failed: " + LibC.strerror(-r));
            }
            return Optional.of(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + RESOURCE + " into memory: " + e.getMessage(), e);
        }
    }
}
