package dev.tether.client;

import dev.tether.server.ServerConfig;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;

/** A real server on a free port with a temporary data directory, one per test class (public for the compat tests). */
public final class TestServer implements AutoCloseable {
    public final Path dataDir;
    public final TetherServer server;

    public TestServer(String name) {
        try {
            dataDir = Files.createTempDirectory("tether-client-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = TetherServer.start(ServerConfig.defaults(dataDir).withListen("127.0.0.1", 0).withName(name)
                .withGraces(Duration.ofMillis(300), Duration.ofSeconds(1))
                .withSharedAccountSessions(true)); // tests start users' sessions; all run as the test's account anyway
    }

    public URI url() {
        return server.url();
    }

    public String adminToken() {
        return server.adminToken();
    }

    public TetherClient admin() {
        return TetherClient.connect(url(), adminToken());
    }

    /** A client of this server with {@code token}. */
    public TetherClient client(String token) {
        return TetherClient.connect(url(), token);
    }

    /** A new user with a password (8+ characters); returns their user token. */
    public String user(String name, String password) {
        try (TetherClient admin = admin()) {
            String token = admin.users().add(name, false).token();
            admin.users().passwd(name, password.toCharArray());
            return token;
        }
    }

    /** A port nothing listens on (bound, then released). */
    public static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is not a test failure
        }
    }
}
