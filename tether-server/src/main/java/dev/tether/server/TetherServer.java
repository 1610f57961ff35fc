package dev.tether.server;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.Kernel;
import dev.tether.core.SessionService;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.PasswordChecks;
import dev.tether.core.store.Store;
import dev.tether.core.terminal.PtyHost;
import dev.tether.core.workspace.Workspaces;
import dev.tether.pty.NativePtyHost;
import dev.tether.store.Argon2Hasher;
import dev.tether.store.SqliteStore;
import dev.tether.store.TinkVault;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * A running Tether server: the session service over a PTY host and a store, exposed over HTTP,
 * WebSocket and SSE.
 *
 * <p>Start order: data directory and its lock ({@code serve.lock}), HTTP listener (answering 503
 * until ready), store, PTY host, session service (which records sessions a crashed run left open as
 * CLOSED), API, administrator token. Nothing is written to the data directory before the lock is
 * held and the port is bound, so a start that fails there changes nothing. Stop order is the reverse
 * of what matters: the service closes every session while clients can still be told, then the
 * listener, the PTY host, the store and the lock go.
 */
public final class TetherServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TetherServer.class);
    static final String VERSION = readVersion();
    /** The data directory's runtime folder: the keeper's socket, lock and log. */
    public static final String RUNTIME = "run";
    /** How often expired workspace credentials are deleted (they stop counting at once, see Workspaces). */
    static final java.time.Duration CREDENTIAL_SWEEP = java.time.Duration.ofSeconds(10);
    /** Every permission bit but the owner's: none may be set in the data directory. */
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> NOT_OWNER = PosixFilePermissions.fromString("---rwxrwx");
    /** How often the tokens of open event streams and WebSockets are checked for revocation. */
    static final java.time.Duration REVOCATION_SWEEP = java.time.Duration.ofMillis(500);

    static {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    private final Vertx vertx;
    private final java.util.List<HttpServer> servers;
    private final Store store;
    private final PtyHost pty;
    private final Kernel kernel;
    private final Accounts accounts;
    private final URI url;
    private final Path tokenFile;
    private final String adminToken;
    private final DataDirLock lock;
    /** The server's own repeating deadlines (sweeps, slow-request watch), cancelled first on close. */
    private final java.util.List<dev.tether.core.time.Scheduler.Deadline> timers;
    private volatile boolean closed;
    /** "METHOD /path" of every API route, as registered (Vert.x path syntax, {@code :id}). */
    private final java.util.List<String> routes;

    java.util.List<String> routes() {
        return routes;
    }

    /** Event streams and attach WebSockets registered for revocation (none may outlive its client). */
    int openStreams() {
        return accounts.openStreams();
    }

    private TetherServer(Vertx vertx, java.util.List<HttpServer> servers, Store store, PtyHost pty, Kernel kernel, URI url,
                         Path tokenFile, String adminToken, java.util.List<String> routes, DataDirLock lock, Accounts accounts,
                         java.util.List<dev.tether.core.time.Scheduler.Deadline> timers) {
        this.timers = timers;
        this.accounts = accounts;
        this.routes = routes;
        this.lock = lock;
        this.vertx = vertx;
        this.servers = servers;
        this.store = store;
        this.pty = pty;
        this.kernel = kernel;
        this.url = url;
        this.tokenFile = tokenFile;
        this.adminToken = adminToken;
    }

    /**
     * Locks the data directory, listens, opens the store (recovering sessions a crashed run left
     * behind), and creates the administrator and {@code admin.token} at first start. Returns once
     * ready; connections accepted before that are answered 503 UNAVAILABLE with Retry-After.
     *
     * @throws TetherException with a sentence a person can act on (port in use, data dir in use or unwritable, ...)
     */
    public static TetherServer start(ServerConfig config) {
        Path dataDir = createDataDir(config.dataDir());
        // Lock, then bind, before anything is written: a second server or a port in use changes nothing.
        DataDirLock lock = DataDirLock.acquire(dataDir);
        try {
            makeOwnerOnly(dataDir);
        } catch (TetherException e) {
            lock.abandon();
            throw e;
        }
        Store store = null;
        PtyHost pty = null;
        Vertx vertx = null;
        Kernel kernel = null;
        var scheduler = config.scheduler();
        var timers = new java.util.concurrent.CopyOnWriteArrayList<dev.tether.core.time.Scheduler.Deadline>();
        try {
            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
                    Math.max(config.ioThreads(), VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE)));
            var options = new HttpServerOptions()
                    .setHost(config.host())
                    .setMaxWebSocketFrameSize(64 * 1024)
                    .setMaxWebSocketMessageSize(256 * 1024)
                    .setCompressionSupported(false)
                    // No WebSocket extension either: a frame with RSV bits is then a protocol error (1002).
                    .setPerMessageWebSocketCompressionSupported(false)
                    .setPerFrameWebSocketCompressionSupported(false)
                    // HTTP/1.1 only: SlowClients watches one request at a time per connection, and a
                    // server that must look for an h2c preface opens a connection only at its first byte.
                    .setHttp2ClearTextEnabled(false)
                    .setWebSocketClosingTimeout(2);
            // The URL is known only once bound (port 0), and the API needs it: until the router is
            // set, every request is answered 503 with Retry-After, never dropped.
            var ready = new Ready();
            var connections = new SlowClients(vertx, config.scheduler(), config.limits().requestReadTimeout(),
                    config.limits().maxConnectionsPerAddress());
            timers.add(connections.watch());
            var servers = listen(vertx, options, config, connections, ready);
            String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
            URI url = URI.create("http://" + host + ":" + servers.getFirst().actualPort());
            lock.announce(url);

            store = SqliteStore.open(dataDir.resolve("tether.db"));
            pty = config.keeper() != null ? NativePtyHost.withKeeper(dataDir.resolve(RUNTIME), config.keeper(), config.allowRootSessions())
                    : NativePtyHost.start(config.allowRootSessions());
            kernel = new Kernel(store, pty, scheduler, new SessionService.Settings(
                    config.name(), config.ringBytes(), config.hangupGrace(), config.termGrace(), config.sharedAccountSessions(),
                    config.multiUser()));
            if (config.multiUser() && !pty.logsOnUsers()) {
                throw new TetherException(ResultCode.INVALID_STATE, "--multi-user needs the session keeper to run as root"
                        + " (it starts programs as other accounts); start the server as root, or stop the keeper of "
                        + dataDir.resolve(RUNTIME) + " that runs as another account");
            }
            // Two hashing threads; PasswordChecks admits at most its capacity, so this queue stays short.
            Executor slow = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("tether-crypto-", 1).daemon().factory());
            var auth = config.authMode();
            if (auth != dev.tether.core.account.AuthMode.TETHER && !pty.logsOnUsers()) {
                throw new TetherException(ResultCode.INVALID_STATE, "--auth " + auth.name().toLowerCase(java.util.Locale.ROOT)
                        + " checks Linux passwords with PAM, which needs the session keeper to run as root");
            }
            var accounts = new Accounts(store, config.clock(), new PasswordChecks(new Argon2Hasher(), slow, config.clock(),
                    config.limits().passwords()), auth, auth == dev.tether.core.account.AuthMode.TETHER ? null : (NativePtyHost) pty);
            var workspaces = new Workspaces(store, kernel.connections(), accounts,
                    TinkVault.open(dataDir, System.getenv("TETHER_MASTER_KEY")), config.clock());
            var info = new Api.ServerInfo(config.name(), VERSION, url.toString(), config.clock().instant(),
                    config.sharedAccountSessions(), config.multiUser());
            io.vertx.ext.web.Router router = new Api(vertx, scheduler, kernel, accounts, workspaces, new Tickets(config.clock()), info,
                    new Origins(config.host(), url.getPort(), config.publicUrl()), connections).router();
            java.util.List<String> routes = router.getRoutes().stream()
                    .filter(r -> r.getPath() != null && r.methods() != null && !r.methods().isEmpty())
                    .flatMap(r -> r.methods().stream().map(m -> m.name() + " " + r.getPath()))
                    .distinct().sorted().toList();
            timers.add(scheduler.every(CREDENTIAL_SWEEP, () -> workspaces.sweep().exceptionally(e -> {
                LOG.warn("deleting expired workspace credentials failed: {}", e.toString());
                return 0;
            })));
            // Streams of a token revoked in any way end within a second (Accounts.sweepRevoked).
            // One sweep at a time: a slow read (a busy store) must not pile sweeps up on the readers.
            var sweeping = new java.util.concurrent.atomic.AtomicBoolean();
            timers.add(scheduler.every(REVOCATION_SWEEP, () -> {
                if (sweeping.compareAndSet(false, true)) {
                    accounts.sweepRevoked().whenComplete((ended, e) -> {
                        sweeping.set(false);
                        if (e != null) {
                            LOG.warn("checking the tokens of open streams failed: {}", e.toString());
                        }
                    });
                }
            }));
            int crashed = get(kernel.start(url.toString()), "record the server start");
            if (crashed > 0) {
                LOG.warn("{} session(s) of a previous run that did not stop cleanly are recorded CLOSED (server crashed)", crashed);
            }
            Path tokenFile = dataDir.resolve("admin.token");
            String token = adminToken(accounts, tokenFile);
            ready.router = router;
            LOG.info("Tether {} listening on {} as {}", VERSION, url, config.name());
            if (config.multiUser()) {
                LOG.info("multi-user mode: the {} runs as root, so each session is a log-on of its user's own Linux account"
                        + " (the account of the user's name, or the one 'tether user set --os-user' maps); {}",
                        config.keeper() != null ? "session keeper" : "server", rootSessionsPolicy(pty, config.allowRootSessions()));
            } else {
                LOG.info("personal mode: every session runs as this server's account ({}), like tmux; start the server as root"
                        + " for sessions that run as their users' own Linux accounts", System.getProperty("user.name"));
            }
            if (config.sharedAccountSessions()) {
                LOG.warn("--shared-account-sessions: sessions of users who are not administrators run as this server's account ({}),"
                        + " so they can read {} (admin.token, master.key) and act as the administrator", System.getProperty("user.name"), dataDir);
            }
            return new TetherServer(vertx, servers, store, pty, kernel, url, tokenFile, token, routes, lock, accounts, timers);
        } catch (RuntimeException e) {
            timers.forEach(dev.tether.core.time.Scheduler.Deadline::cancel);
            if (kernel != null) {
                kernel.close();
            }
            if (vertx != null) {
                try {
                    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                } catch (Exception stuck) {
                    LOG.warn("Vert.x did not stop cleanly: {}", stuck.toString());
                }
            }
            if (pty != null) {
                pty.close();
            }
            if (store != null) {
                store.close();
            }
            lock.abandon();
            throw e;
        }
    }

    /**
     * The request handler from the first accepted connection on: 503 UNAVAILABLE with Retry-After
     * until the API's router is set, then the router.
     */
    private static final class Ready implements io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> {
        private static final TetherException STARTING = new TetherException(ResultCode.UNAVAILABLE,
                "the Tether server is starting; try again in a second", java.time.Duration.ofSeconds(1));
        volatile io.vertx.ext.web.Router router;

        @Override
        public void handle(io.vertx.core.http.HttpServerRequest request) {
            var current = router;
            if (current != null) {
                current.handle(request);
                return;
            }
            Errors.reply(request.response(), STARTING);
        }
    }

    /**
     * One HTTP server per I/O thread, all on the same host and port. Vert.x binds a host:port once
     * and hands its connections round robin to every server listening on it, each on its own event
     * loop; a single server would keep all network work on one event loop, so one core. Vert.x
     * shares only a fixed port, so for port 0 a free one is picked first (and picked again should
     * another process take it in between).
     */
    private static java.util.List<HttpServer> listen(Vertx vertx, HttpServerOptions options, ServerConfig config, SlowClients slow,
                                                      io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler) {
        var servers = new java.util.concurrent.CopyOnWriteArrayList<HttpServer>();
        for (int attempt = 1; ; attempt++) {
            int port = config.port() != 0 ? config.port() : freePort(config.host());
            var bound = new HttpServerOptions(options).setPort(port);
            try {
                await(vertx.deployVerticle(() -> context -> {
                    HttpServer server = vertx.createHttpServer(bound).connectionHandler(slow::connected).requestHandler(request -> {
                        slow.requestArrived(request);
                        handler.handle(request);
                    });
                    servers.add(server);
                    return server.listen();
                }, new DeploymentOptions().setInstances(config.ioThreads())), "listen on " + config.host() + ":" + config.port());
                return servers;
            } catch (TetherException e) {
                if (config.port() != 0 || e.code() != ResultCode.CONFLICT || attempt == 5) {
                    throw e;
                }
                servers.clear();
            }
        }
    }

    private static int freePort(String host) {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new TetherException(ResultCode.CONFLICT, "cannot find a free port on " + host + ": " + e.getMessage());
        }
    }

    /** The version of this build, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        try (var in = TetherServer.class.getResourceAsStream("version.properties")) {
            var properties = new java.util.Properties();
            if (in != null) {
                properties.load(in);
            }
            String v = properties.getProperty("version", "");
            return v.isBlank() || v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }

    /** Whether each session is a log-on of its user's own Linux account (multi-user mode). */
    public boolean multiUser() {
        return kernel.sessions().multiUser();
    }

    /**
     * What log-ons of root and of system accounts get here, as a clause: allowed only when this
     * server and its keeper (which keeps the setting it was started with) both have
     * --allow-root-sessions.
     */
    public String rootSessionsPolicy(boolean askedFor) {
        return rootSessionsPolicy(pty, askedFor);
    }

    private static String rootSessionsPolicy(PtyHost pty, boolean askedFor) {
        if (pty.rootSessions()) {
            return "root and system accounts may log on too (--allow-root-sessions)";
        }
        return askedFor ? "root and system accounts are refused all the same: the session keeper was started without"
                + " --allow-root-sessions and keeps that setting ('tether keeper stop' logs everybody off, then"
                + " 'serve --allow-root-sessions' starts a new keeper)"
                : "root and system accounts are refused (serve --allow-root-sessions allows them)";
    }

    /** The base URL, e.g. {@code http://127.0.0.1:7420}. */
    public URI url() {
        return url;
    }

    /** The administrator's bearer token (the content of {@link #adminTokenFile()}). */
    public String adminToken() {
        return adminToken;
    }

    public Path adminTokenFile() {
        return tokenFile;
    }

    /** Stops accepting, closes every session with reason {@code server stopped}, records it. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.forEach(dev.tether.core.time.Scheduler.Deadline::cancel);
        kernel.close();
        try {
            io.vertx.core.Future.all(servers.stream().map(HttpServer::close).toList())
                    .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("the HTTP listener did not close cleanly: {}", e.toString());
        }
        pty.close();
        store.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
        }
        lock.close();
    }

    /**
     * Creates the data directory, or takes an existing one, and makes it and everything in it
     * owner-only: it holds the administrator's token, the master key and the database, and a
     * directory made by hand or by an older run may have been left open. Group and other bits are
     * removed (0755 becomes 0700, 0644 becomes 0600); the owner's are left as they are, so a data
     * directory pointed at by mistake loses no execute bit.
     */
    /** Creates the data directory (0700) when it is missing; it must be writable. */
    static Path createDataDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                if (dir.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(dir.toAbsolutePath().getParent());
                }
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.isWritable(dir)) {
                throw new TetherException(ResultCode.ACCESS_DENIED, "the data directory " + dir + " is not writable");
            }
            return dir;
        } catch (IOException e) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot create the data directory " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Takes group and other access from the data directory and everything in it, also when it existed
     * before; only with the lock held, so a refused second server changes nothing.
     */
    static void makeOwnerOnly(Path dir) {
        try {
            int opened = 0;
            try (var paths = Files.walk(dir)) { // does not follow symbolic links: what they point to is not ours to change
                for (Path p : (Iterable<Path>) paths::iterator) {
                    var permissions = Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    if (!Files.isSymbolicLink(p) && permissions.removeAll(NOT_OWNER)) {
                        Files.setPosixFilePermissions(p, permissions);
                        opened++;
                    }
                }
            }
            if (opened > 0) {
                LOG.warn("{} file(s) or directories in the data directory {} were open to group or others; now only their owner has access",
                        opened, dir);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot make the data directory " + dir
                    + " private to its owner (no group or other access): " + e.getMessage());
        }
    }

    /** The administrator's token from {@code admin.token}, issuing a new one when the file is missing or stale. */
    private static String adminToken(Accounts accounts, Path file) {
        try {
            if (Files.isReadable(file)) {
                String token = Files.readString(file, StandardCharsets.UTF_8).trim();
                try {
                    if (get(accounts.authenticate(token), "check admin.token").admin()) {
                        return token;
                    }
                } catch (TetherException e) {
                    LOG.warn("{} holds a token this database does not know; issuing a new one", file);
                }
            }
            String token = get(accounts.issueAdminToken(), "create the administrator");
            Path tmp = file.resolveSibling("admin.token.tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return token;
        } catch (IOException e) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "cannot write " + file + ": " + e.getMessage());
        }
    }

    private static void await(io.vertx.core.Future<?> future, String what) {
        try {
            future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BindException) {
                throw new TetherException(ResultCode.CONFLICT, "cannot " + what + ": " + cause.getMessage().toLowerCase()
                        + " (is another Tether running? choose another with --listen)");
            }
            throw new TetherException(ResultCode.INTERNAL, "cannot " + what + ": " + cause, cause);
        } catch (InterruptedException | TimeoutException e) {
            throw new TetherException(ResultCode.TIMEOUT, "cannot " + what + ": " + e);
        }
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> future, String what) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = TetherException.unwrap(e);
            throw cause instanceof TetherException te ? te : new TetherException(ResultCode.INTERNAL, "cannot " + what + ": " + cause, cause);
        } catch (InterruptedException | TimeoutException e) {
            throw new TetherException(ResultCode.TIMEOUT, "cannot " + what + " in 30 s");
        }
    }
}
