package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.server.ServerConfig;
import dev.tether.server.TetherServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tether serve}: runs the server until SIGTERM or Ctrl-C, then exits 0. The sessions live in
 * the session keeper ({@code tether keeper}), which it starts when none runs for the data
 * directory: stopping the server leaves them running, and the next {@code serve} adopts them.
 * With {@code --no-keeper} the programs are the server's own and stopping closes them.
 */
@Command(name = "serve", description = "Run the Tether server (embedded SQLite in the data directory).",
        mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--listen", paramLabel = "ADDRESS",
            description = "Where to listen, as HOST:PORT; port 0 picks a free one (default: 127.0.0.1:7420).")
    String listen = "127.0.0.1:" + ServerConfig.DEFAULT_PORT;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the database, the keys and the administrator's token (admin.token) are kept"
                    + " (default: $XDG_DATA_HOME/tether, else ~/.local/share/tether).")
    Path dataDir;

    @Option(names = "--name", description = "Server name shown in session records (default: the host name).")
    String name;

    @Option(names = "--ring-bytes", paramLabel = "BYTES",
            description = "Output kept per session and replayed on attach (default: 262144).")
    int ringBytes = ServerConfig.DEFAULT_RING_BYTES;

    @Option(names = "--io-threads", paramLabel = "N",
            description = "Event loops serving HTTP, WebSocket and SSE connections (default: one per core).")
    Integer ioThreads;

    @Option(names = "--shared-account-sessions",
            description = {"Let users who are not administrators start sessions. Their sessions run as this server's own "
                    + "account, so they can read the data directory (admin.token, master.key) and act as the administrator. "
                    + "Off by default: then only administrators start sessions."})
    boolean sharedAccountSessions;

    @Option(names = "--public-url", paramLabel = "URL",
            description = "The address browsers use when it is not the listen address, such as a TLS proxy in front of the server. "
                    + "Requests naming any other host are refused.")
    String publicUrl;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            description = "Open connections one client address may hold; more are closed at once (default: 256).")
    int maxConnectionsPerAddress = ServerConfig.Limits.DEFAULTS.maxConnectionsPerAddress();

    @Option(names = "--request-timeout", paramLabel = "SECONDS",
            description = "Time a client has to send a request's headers, then its body; slower connections are closed (default: 30).")
    int requestTimeoutSeconds = (int) ServerConfig.Limits.DEFAULTS.requestReadTimeout().toSeconds();

    @Option(names = "--multi-user",
            description = "Run each session as its user's own Linux account, a log-on of it (needs root: the session"
                    + " keeper starts the programs as their accounts).")
    boolean multiUser;

    @Option(names = "--auth", paramLabel = "pam|tether|both",
            description = "Which passwords 'tether login' takes: the Linux password through PAM, Tether's own, or Tether's"
                    + " own where a user has one and else the Linux password (default: tether in personal mode, both in multi-user mode).")
    String auth;

    @Option(names = "--run-as", paramLabel = "ACCOUNT",
            description = "In multi-user mode started as root, the unprivileged account this server drops to once the keeper"
                    + " (which stays root) runs (default: tether, when that account exists).")
    String runAs;

    @Option(names = "--allow-root-sessions",
            description = "In multi-user mode (as root), let sessions log on to root and to system accounts (uid below"
                    + " UID_MIN of /etc/login.defs), which are refused otherwise.")
    boolean allowRootSessions;

    @Option(names = "--no-keeper",
            description = {"Run the sessions' programs in this process instead of the session keeper: they end when the server stops"
                    + " or crashes. By default a keeper (started when none runs) keeps them through restarts and upgrades."})
    boolean noKeeper;

    /**
     * Multi-user mode started as root: the keeper runs as root, and this server becomes the
     * {@code --run-as} account (tether by default), owning the data directory. Returns only when
     * there is no account to drop to (the server stays root, and says so).
     */
    private void dropPrivileges(dev.tether.server.ServerConfig config) {
        String target = runAs != null ? runAs : dev.tether.pty.RunAs.lookup("tether").isPresent() ? "tether" : null;
        if (target == null) {
            System.out.println("Warning: this server runs as root; create an account for it (useradd --system tether) or give"
                    + " --run-as, so that only the session keeper runs as root.");
            return;
        }
        var account = dev.tether.pty.RunAs.lookup(target).orElseThrow(() -> new TetherException(ResultCode.INVALID_PARAMETER,
                "--run-as " + target + ": there is no such account on this host"));
        if (account.uid() == 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "--run-as " + target + " is root; name an unprivileged account");
        }
        Path data = config.dataDir().toAbsolutePath();
        Path runtime = data.resolve(dev.tether.server.TetherServer.RUNTIME);
        try {
            java.nio.file.Files.createDirectories(runtime, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            dev.tether.pty.RunAs.give(data, account);
            var argv = new java.util.ArrayList<>(dev.tether.pty.RunAs.commandLine());
            if (dataDir == null) {
                argv.addAll(java.util.List.of("--data-dir", data.toString())); // the account's HOME would name another default
            }
            long keeper = dev.tether.pty.KeeperProcess.thisJvm(allowRootSessions).ensureRunning(runtime);
            System.out.println("Started as root: the session keeper (pid " + keeper + ") runs as root; this server drops to the"
                    + " account " + account.name() + " (uid " + account.uid() + "), which now owns " + data + ".");
            System.out.flush();
            String why = dev.tether.pty.RunAs.reexec(account, argv);
            throw new TetherException(ResultCode.INTERNAL, "cannot start the server as " + account.name() + ": " + why);
        } catch (java.io.IOException e) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot give " + data + " to " + account.name() + ": " + e.getMessage());
        }
    }

    @Override
    public Integer call() {
        var config = ServerConfig.defaults(dataDir != null ? dataDir : ServerConfig.defaultDataDir())
                .withRingBytes(ringBytes);
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "--listen " + listen + " is not HOST:PORT (for example 127.0.0.1:7420)");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "--listen " + listen + ": the port is not a number");
        }
        config = config.withListen(host, port);
        if (name != null) {
            config = config.withName(name);
        }
        if (ioThreads != null) {
            config = config.withIoThreads(ioThreads);
        }
        config = config.withSharedAccountSessions(sharedAccountSessions);
        config = config.withAllowRootSessions(allowRootSessions).withMultiUser(multiUser);
        if (auth != null) {
            config = config.withAuth(auth);
        }
        if (!noKeeper) {
            config = config.withKeeper(dev.tether.pty.KeeperProcess.thisJvm(allowRootSessions));
        }
        if (publicUrl != null) {
            try {
                config = config.withPublicUrl(java.net.URI.create(publicUrl));
            } catch (IllegalArgumentException e) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "--public-url " + publicUrl
                        + " is not a URL; give http(s)://HOST[:PORT], for example https://tether.example.com");
            }
        }

        config = config.withLimits(config.limits().withMaxConnectionsPerAddress(maxConnectionsPerAddress)
                .withRequestReadTimeout(java.time.Duration.ofSeconds(requestTimeoutSeconds)));

        if (multiUser && !noKeeper && dev.tether.pty.RunAs.isRoot()) {
            dropPrivileges(config);
        }

        var stopped = new CountDownLatch(1);
        Signals.onTerminate(stopped::countDown); // before starting: a TERM during startup still stops cleanly
        TetherServer server = TetherServer.start(config);
        System.out.println("Tether " + Main.version() + " listening on " + server.url() + " as " + config.name());
        if (server.multiUser()) {
            // Both this command's and the keeper's setting: a keeper that ran already keeps the one it was started with.
            System.out.println("Multi-user mode: each session is a log-on of its user's own Linux account; "
                    + server.rootSessionsPolicy(allowRootSessions) + ".");
        } else {
            System.out.println("Personal mode: every session runs as " + System.getProperty("user.name")
                    + ", this server's account, like tmux.");
        }
        System.out.println("Administrator token: " + server.adminTokenFile());
        if (sharedAccountSessions && !server.multiUser()) {
            System.out.println("Warning: --shared-account-sessions: sessions of users who are not administrators run as "
                    + System.getProperty("user.name") + ", this server's account; such users can read " + config.dataDir()
                    + " and act as the administrator.");
        }
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println(noKeeper ? "Stopping: closing every session (reason: server stopped)"
                : "Stopping: the sessions keep running in the keeper; the next 'tether serve' adopts them"
                        + " ('tether keeper stop' logs everybody off)");
        server.close();
        System.out.println("Stopped.");
        return 0;
    }
}
