package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The server is honest about itself while it starts: it answers every connection, and one data directory has one server. */
class StartupTest {

    private static ServerConfig config(Path dataDir, int port) {
        return new ServerConfig("127.0.0.1", port, dataDir, "startup-test", 64 * 1024,
                Duration.ofMillis(500), Duration.ofMillis(1500), InstantSource.system(), 2);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Sends one raw GET /api/v1/server and returns the status line and headers, or why there was none within 5 s. */
    private static String ask(int port) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            var head = new StringBuilder();
            try {
                for (int b; (b = in.read()) != -1 && !head.toString().endsWith("\r\n\r\n"); ) {
                    head.append((char) b);
                }
            } catch (java.net.SocketTimeoutException e) {
                return "NO ANSWER in 5 s after " + head;
            }
            return head.isEmpty() ? "CLOSED without an answer" : head.toString();
        }
    }

    /**
     * Startup race. Reproduction: a client sending GET /api/v1/server in a loop to the port while
     * {@code TetherServer.start} runs; before the fix a connection accepted before the router was set
     * got no answer at all (the log showed {@code NullPointerException ... "holder.router" is null}),
     * 4 of 4 starts. Now every accepted connection is answered: 503 UNAVAILABLE with Retry-After
     * until the server is ready, then the API.
     */
    @Test
    void everyConnectionAcceptedWhileTheServerStartsIsAnswered_with503AndRetryAfterUntilReady() throws Exception {
        int port = freePort();
        var answers = new ConcurrentLinkedQueue<String>();
        var stop = new AtomicBoolean();
        Thread hammer = Thread.ofPlatform().name("hammer").start(() -> {
            while (!stop.get()) {
                try {
                    answers.add(ask(port));
                } catch (IOException refused) {
                    Thread.onSpinWait(); // not listening yet
                }
            }
        });
        TetherServer server;
        try {
            server = TetherServer.start(config(ServerFixture.newDataDir(), port));
            int answeredBeforeReady = answers.size();
            // a few answers after ready too (each one checked below like the rest)
            await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() >= answeredBeforeReady + 5);
        } finally {
            stop.set(true);
            hammer.join();
        }
        server.close();

        var unanswered = new ArrayList<String>();
        var starting = new AtomicInteger();
        for (String head : answers) {
            if (head.startsWith("HTTP/1.1 503")) {
                starting.incrementAndGet();
                if (!head.toLowerCase().contains("retry-after: 1")) {
                    unanswered.add("503 without Retry-After: " + head);
                }
            } else if (!head.startsWith("HTTP/1.1 401")) { // ready, and no token given
                unanswered.add(head);
            }
        }
        assertThat(unanswered).as("of %d connections", answers.size()).isEmpty();
        assertThat(starting.get()).as("connections answered while starting (the race was really run)").isPositive();
    }

    /**
     * No lock on the data directory. Reproduction: {@code serve --data-dir D} twice; the second one
     * started and marked the first one's live sessions CLOSED "server crashed". Now the second start
     * is refused with CONFLICT naming the first (pid, URL), and the first server's session is untouched.
     */
    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused_namingTheFirst_andChangesNothing() throws Exception {
        try (var first = new ServerFixture()) {
            long id = first.shell("sleep 60");
            var before = listing(first.dataDir);

            assertThatThrownBy(() -> TetherServer.start(config(first.dataDir, 0)))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.CONFLICT))
                    .hasMessage("the data directory " + first.dataDir + " is in use by another Tether server (pid "
                            + ProcessHandle.current().pid() + ", " + first.server.url()
                            + "); stop it first, or give this one another --data-dir");

            var session = first.get("/sessions/" + id);
            assertThat(session.status()).isEqualTo(200);
            assertThat(session.body().path("state").asText()).isEqualTo("DISCONNECTED");
            assertThat(listing(first.dataDir)).as("the data directory is as it was").isEqualTo(before);
        }
    }

    /**
     * A refused second server still changed the data directory: it took group and other access from
     * every file in it before it found the lock held. Reproduction: a file made 0644 in a running
     * server's data directory was 0600 after a second {@code TetherServer.start} on it was refused.
     * Now the modes are made owner-only only once the lock is held.
     */
    @Test
    void aRefusedSecondServerLeavesTheModesOfTheFirstServersFilesAlone() throws Exception {
        try (var first = new ServerFixture()) {
            Path mine = Files.createFile(first.dataDir.resolve("operators-note.txt"));
            Files.setPosixFilePermissions(mine, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

            assertThatThrownBy(() -> TetherServer.start(config(first.dataDir, 0))).isInstanceOf(TetherException.class);

            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(mine))).isEqualTo("rw-r--r--");
        }
    }

    /**
     * A failed start creates nothing. Reproduction: {@code serve} on a port in use failed with
     * CONFLICT but left {@code tether.db}, its WAL, {@code master.key} and {@code credentials.keyset}
     * behind. Now the port is bound before anything is written: only the lock's anchor is left, empty
     * (deleting it could let two later starts lock two different files).
     */
    @Test
    void aStartOnAPortInUseFails_andLeavesNothingButAnEmptyLockFile() throws Exception {
        Path dir = ServerFixture.newDataDir();
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> TetherServer.start(config(dir, taken.getLocalPort())))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.CONFLICT));
        }
        assertThat(listing(dir)).containsExactly(DataDirLock.FILE_NAME);
        assertThat(Files.size(dir.resolve(DataDirLock.FILE_NAME))).isZero();

        try (var server = new ServerFixture(dir)) {
            assertThat(server.get("/server").status()).as("a start after the failed one works").isEqualTo(200);
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith("-wal") && !n.endsWith("-shm")) // SQLite's own, changed by any read
                    .sorted().toList();
        }
    }
}
