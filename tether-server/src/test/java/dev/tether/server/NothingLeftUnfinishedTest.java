package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A call either does all it accepted or changes nothing (issue 8, section 2). */
class NothingLeftUnfinishedTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /**
     * Reproduction: {@code POST /sessions {"command":"/tmp/…/garbage"}} for a file with mode 0755 whose
     * content is no program answered 400 "cannot start …: Exec format error", but
     * {@code GET /sessions?allStates=true} then listed a new CLOSED session (reason
     * {@code failed to start: …}) and the event log had a SessionCreated and a SessionClosed for it.
     * Now the failed start leaves no session and no event; the id it had reserved is skipped.
     */
    @Test
    void aSessionThatCannotStartLeavesNoSessionAndNoEvent() throws Exception {
        Path garbage = Files.createTempFile(server.dataDir, "garbage", ".bin");
        Files.write(garbage, new byte[] {0x7f, 'E', 'L', 'F', 0, 0, 0, 0, 1, 2, 3});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        long before = server.shell("exit 0");
        int sessions = server.get("/sessions?allStates=true").body().size();
        awaitQuiet();
        long lastEvent = server.lastEventId();

        var r = server.post("/sessions", "{\"command\":" + Json.write(garbage.toString()) + "}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("INVALID_PARAMETER");
        assertThat(r.body().get("message").asText()).isEqualTo("cannot start " + garbage + ": Exec format error");
        assertThat(server.get("/sessions?allStates=true").body().size()).isEqualTo(sessions);
        assertThat(server.events(lastEvent)).isEmpty();
        long after = server.shell("exit 0");
        assertThat(after).as("an id a failed start reserved is skipped, never reused").isGreaterThan(before + 1);
    }

    /**
     * Reproduction: 50 concurrent {@code POST /connections/ID/disconnect} for one ACTIVATED connection
     * were answered 202 2, 49 and 12 times in three trials: each call saw the connection ACTIVATED
     * before any had marked it DEACTIVATING, and each stored a request. Now the first call claims the
     * connection before its request is stored, so exactly one is accepted; the 49 others are
     * NOT_FOUND (already being disconnected) and create no request.
     */
    @Test
    void fiftyConcurrentDisconnectsOfOneConnectionAcceptExactlyOne() {
        for (int round = 0; round < 5; round++) {
            long session = server.shell("exec sleep 60");
            TestTerminal t = server.attach(session);
            long connection = t.control("connecting").get("connectionId").asLong();
            t.control("attached");
            long since = server.lastEventId();

            List<ServerFixture.Answer> answers = concurrently(50, "POST", "/connections/" + connection + "/disconnect");

            assertThat(answers).filteredOn(a -> a.status() == 202).as("round " + round).hasSize(1);
            assertThat(answers).filteredOn(a -> a.status() == 404).as("round " + round).hasSize(49)
                    .allSatisfy(a -> {
                        assertThat(a.error()).isEqualTo("NOT_FOUND");
                        assertThat(a.body().get("message").asText()).startsWith("connection " + connection + " is ");
                    });
            long accepted = answers.stream().filter(a -> a.status() == 202).findFirst().orElseThrow().body().get("id").asLong();
            assertThat(server.get("/requests/" + accepted + "?wait=true").body().get("result").asText()).isEqualTo("OK");
            assertThat(server.get("/requests/" + (accepted + 1)).status()).as("no other request was created").isEqualTo(404);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events(since).stream()
                    .anyMatch(e -> e.get("type").asText().equals("DisconnectComplete")));
            assertThat(server.events(since)).filteredOn(e -> e.get("type").asText().equals("DisconnectComplete")).hasSize(1);
            server.post("/sessions/" + session + "/close?wait=true", null);
        }
    }

    /**
     * Reproduction: 50 concurrent {@code POST /sessions/ID/close} of one session answered 202 4, 9
     * and 9 times in three rounds (each accepted request storing two writes), and in one round 4 of
     * the accepted requests then failed their target ("is closed already"); the rest were 409. Now
     * the first close claims the session before its request is stored: exactly one 202, and 49
     * INVALID_STATE with no request.
     */
    @Test
    void fiftyConcurrentClosesOfOneSessionAcceptExactlyOne() {
        for (int round = 0; round < 3; round++) {
            long session = server.shell("exec sleep 60");

            List<ServerFixture.Answer> answers = concurrently(50, "POST", "/sessions/" + session + "/close");

            assertThat(answers).filteredOn(a -> a.status() == 202).as("round " + round).hasSize(1);
            assertThat(answers).filteredOn(a -> a.status() == 409).as("round " + round).hasSize(49)
                    .allSatisfy(a -> {
                        assertThat(a.error()).isEqualTo("INVALID_STATE");
                        assertThat(a.body().get("message").asText()).startsWith("session " + session + " (admin, sh) is ");
                    });
            long accepted = answers.stream().filter(a -> a.status() == 202).findFirst().orElseThrow().body().get("id").asLong();
            JsonNode done = server.get("/requests/" + accepted + "?wait=true").body();
            assertThat(done.get("result").asText()).isEqualTo("OK");
            assertThat(server.get("/requests/" + (accepted + 1)).status()).as("no other request was created").isEqualTo(404);
        }
    }

    /** {@code n} copies of one call, sent at once, each on its own connection to the server. */
    private static List<ServerFixture.Answer> concurrently(int n, String method, String path) {
        var start = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var answers = new ArrayList<Future<ServerFixture.Answer>>();
            for (int i = 0; i < n; i++) {
                answers.add(threads.submit(() -> {
                    start.await();
                    return server.call(method, path, null, server.token, null);
                }));
            }
            start.countDown();
            return answers.stream().map(f -> {
                try {
                    return f.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    /** Waits until the session started last has closed, so that no event of it is still to come. */
    private static void awaitQuiet() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.get("/sessions").body().isEmpty());
    }
}
