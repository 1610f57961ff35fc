package dev.tether.cli;

import dev.tether.client.TetherClient;
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

/** A real server on a free port with a temporary data directory, one per test class. */
final class TestServer implements AutoCloseable {
    final Path dataDir;
    final TetherServer server;
    final String name;

    TestServer(String name) {
        this(name, /* sharedAccountSessions= */ true);
    }

    TestServer(String name, boolean sharedAccountSessions) {
        this.name = name;
        try {
            dataDir = Files.createTempDirectory("tether-cli-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = TetherServer.start(ServerConfig.defaults(dataDir).withListen("127.0.0.1", 0).withName(name)
                .withGraces(Duration.ofMillis(300), Duration.ofSeconds(1))
                .withSharedAccountSessions(sharedAccountSessions)); // on by default: tests start users' sessions, all as the test's account
    }

    URI url() {
        return server.url();
    }

    String token() {
        return server.adminToken();
    }

    TetherClient client() {
        return TetherClient.connect(url(), token());
    }

    TetherClient client(String token) {
        return TetherClient.connect(url(), token);
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        deleteTree(dataDir);
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is not a test failure
        }
    }
}
