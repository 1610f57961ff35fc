package dev.tether.server;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.PasswordChecks;
import dev.tether.core.time.Scheduler;
import dev.tether.pty.KeeperProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * How to run a server. Defaults in code, validated once.
 *
 * @param host address to listen on (loopback by default)
 * @param port TCP port; 0 picks a free one
 * @param dataDir where the database, admin.token and keys live
 * @param name the server name shown in session records
 * @param ringBytes output kept per session and replayed on attach
 * @param hangupGrace time between SIGHUP and SIGTERM when a session is closed
 * @param termGrace time between SIGTERM and SIGKILL
 * @param scheduler every timer of the server (close graces, timeouts, sweeps, slow-request watches)
 *     and, through {@link Scheduler#clock()}, every reading of "now"; tests pass a manual one
 * @param ioThreads event loops serving HTTP, WebSocket and SSE connections (one per core by default)
 * @param sharedAccountSessions whether users who are not administrators may start sessions, which
 *     run as the server's own account and so can read its data directory (off by default)
 * @param publicUrl the URL browsers use when it is not the listen address (a TLS proxy, a DNS name),
 *     e.g. {@code https://tether.example.com}; null when there is none. Host and Origin headers
 *     must name the listen address, a loopback name on its port, or this URL.
 * @param limits what one client may cost the server (password checks, slow requests, connections)
 * @param keeper how to start the session keeper when none runs for the data directory; with one,
 *     sessions outlive the server (a restart adopts them). Null: the programs are the server's own
 *     children and end with it (tests, benchmarks of the bare host).
 * @param allowRootSessions whether, in multi-user mode, a session may log on to root or to a system
 *     account; without a keeper this server decides it, else the keeper it starts does
 * @param multiUser whether each session is a log-on of its user's own Linux account (multi-user
 *     mode; the programs' host must run as root), else every one runs as the server's account
 * @param auth which passwords a log-on takes ({@code --auth}); null: as the mode implies ({@link #authMode})
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        String name,
        int ringBytes,
        Duration hangupGrace,
        Duration termGrace,
        Scheduler scheduler,
        int ioThreads,
        boolean sharedAccountSessions,
        java.net.URI publicUrl,
        Limits limits,
        KeeperProcess keeper,
        boolean allowRootSessions,
        boolean multiUser,
        dev.tether.core.account.AuthMode auth) {

    public static final int DEFAULT_PORT = 7420;
    public static final int DEFAULT_RING_BYTES = 256 * 1024;

    /** Sessions for administrators only ({@code sharedAccountSessions} off), no public URL, the default {@link Limits}. */
    public ServerConfig(String host, int port, Path dataDir, String name, int ringBytes, Duration hangupGrace,
                        Duration termGrace, Scheduler scheduler, int ioThreads) {
        this(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, false, null, Limits.DEFAULTS, null, false, false, null);
    }

    /** As above, with {@link Scheduler#system(InstantSource)} over {@code clock}. */
    public ServerConfig(String host, int port, Path dataDir, String name, int ringBytes, Duration hangupGrace,
                        Duration termGrace, InstantSource clock, int ioThreads) {
        this(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, Scheduler.system(clock), ioThreads);
    }

    /** The clock every part of the server reads "now" from: the scheduler's. */
    public InstantSource clock() {
        return scheduler.clock();
    }

    /** The same server on another scheduler (and so its clock): a test's manual one. */
    public ServerConfig withScheduler(Scheduler newScheduler) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, newScheduler, ioThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(limits, "limits");
        if (port < 0 || port > 65535) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the port " + port + " is outside 0..65535");
        }
        if (ringBytes < 1024 || ringBytes > 64 * 1024 * 1024) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the ring buffer size " + ringBytes + " is outside 1 KiB..64 MiB");
        }
        if (ioThreads < 1 || ioThreads > 256) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the number of I/O threads " + ioThreads + " is outside 1..256");
        }
        if (publicUrl != null && (publicUrl.getScheme() == null || !publicUrl.getScheme().matches("(?i)https?")
                || publicUrl.getHost() == null || publicUrl.getRawUserInfo() != null || publicUrl.getRawQuery() != null
                || publicUrl.getRawFragment() != null || !(publicUrl.getRawPath() == null || publicUrl.getRawPath().isEmpty()
                || publicUrl.getRawPath().equals("/")))) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the public URL " + publicUrl
                    + " is not http(s)://HOST[:PORT] (no path, user, query or fragment), e.g. https://tether.example.com");
        }
    }

    /**
     * What one client may cost the server.
     *
     * @param passwords the password-check queue and throttles (see {@link PasswordChecks})
     * @param requestReadTimeout time allowed to send a request's headers and body (and to start the
     *     next one on a kept-alive connection); a connection that takes longer is closed
     * @param maxConnectionsPerAddress open connections from one client address; more are closed at once
     */
    public record Limits(PasswordChecks.Limits passwords, Duration requestReadTimeout, int maxConnectionsPerAddress) {
        /** {@link PasswordChecks.Limits#DEFAULTS}, 30 s to send a request, 256 connections per address. */
        public static final Limits DEFAULTS = new Limits(PasswordChecks.Limits.DEFAULTS, Duration.ofSeconds(30), 256);

        public Limits {
            Objects.requireNonNull(passwords, "passwords");
            Objects.requireNonNull(requestReadTimeout, "requestReadTimeout");
            if (requestReadTimeout.toMillis() < 100 || requestReadTimeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the request read timeout " + requestReadTimeout + " is outside 100 ms..1 h");
            }
            if (maxConnectionsPerAddress < 1 || maxConnectionsPerAddress > 1_000_000) {
                throw new TetherException(ResultCode.INVALID_PARAMETER,
                        "the maximum of connections per address " + maxConnectionsPerAddress + " is outside 1..1000000");
            }
        }

        public Limits withPasswords(PasswordChecks.Limits newPasswords) {
            return new Limits(newPasswords, requestReadTimeout, maxConnectionsPerAddress);
        }

        public Limits withRequestReadTimeout(Duration timeout) {
            return new Limits(passwords, timeout, maxConnectionsPerAddress);
        }

        public Limits withMaxConnectionsPerAddress(int max) {
            return new Limits(passwords, requestReadTimeout, max);
        }
    }

    /** Sessions in a keeper started with {@code newKeeper} (null: in this process, ending with it). */
    public ServerConfig withKeeper(KeeperProcess newKeeper) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl,
                limits, newKeeper, allowRootSessions, multiUser, auth);
    }

    /** Whether a log-on may be one of root or of a system account (multi-user mode, {@code serve --allow-root-sessions}). */
    public ServerConfig withAllowRootSessions(boolean allow) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl,
                limits, keeper, allow, multiUser, auth);
    }

    /**
     * Which passwords a log-on takes: {@code serve --auth pam|tether|both}.
     *
     * @throws dev.tether.api.TetherException INVALID_PARAMETER naming the value when it is none of those
     */
    public ServerConfig withAuth(String name) {
        return withAuth(dev.tether.core.account.AuthMode.parse(name));
    }

    /** Which passwords a log-on takes ({@code serve --auth}); null: Tether's in personal mode, both in multi-user mode. */
    public ServerConfig withAuth(dev.tether.core.account.AuthMode mode) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl,
                limits, keeper, allowRootSessions, multiUser, mode);
    }

    /** The passwords a log-on takes: {@link #auth} when given, else what the mode implies. */
    public dev.tether.core.account.AuthMode authMode() {
        return auth != null ? auth : multiUser ? dev.tether.core.account.AuthMode.BOTH : dev.tether.core.account.AuthMode.TETHER;
    }

    /** Multi-user mode ({@code serve --multi-user}, as root): each session is a log-on of its user's Linux account. */
    public ServerConfig withMultiUser(boolean on) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl,
                limits, keeper, allowRootSessions, on, auth);
    }

    public ServerConfig withLimits(Limits newLimits) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl,
                newLimits, keeper, allowRootSessions, multiUser, auth);
    }

    /** Loopback, port 7420, the given data dir, the host's name, 256 KiB ring, 2 s + 5 s graces, an I/O thread per core. */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, dataDir, hostName(), DEFAULT_RING_BYTES,
                Duration.ofSeconds(2), Duration.ofSeconds(5), Scheduler.system(), Runtime.getRuntime().availableProcessors());
    }

    public ServerConfig withListen(String newHost, int newPort) {
        return new ServerConfig(newHost, newPort, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig withName(String newName) {
        return new ServerConfig(host, port, dataDir, newName, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig withRingBytes(int newRingBytes) {
        return new ServerConfig(host, port, dataDir, name, newRingBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig withGraces(Duration hangup, Duration term) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangup, term, scheduler, ioThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig withIoThreads(int newIoThreads) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, newIoThreads, sharedAccountSessions, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    public ServerConfig withPublicUrl(java.net.URI newPublicUrl) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, sharedAccountSessions,
                newPublicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    /** Lets users who are not administrators start sessions, which run as the server's account. */
    public ServerConfig withSharedAccountSessions(boolean shared) {
        return new ServerConfig(host, port, dataDir, name, ringBytes, hangupGrace, termGrace, scheduler, ioThreads, shared, publicUrl, limits, keeper, allowRootSessions, multiUser, auth);
    }

    /** {@code $XDG_DATA_HOME/tether}, else {@code ~/.local/share/tether}. */
    public static Path defaultDataDir() {
        String xdg = System.getenv("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "tether");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "tether");
    }

    static String hostName() {
        try {
            String n = java.net.InetAddress.getLocalHost().getHostName();
            return n == null || n.isBlank() ? "localhost" : n;
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
