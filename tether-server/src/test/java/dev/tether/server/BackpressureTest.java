package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backpressure policy: a client that stops reading holds the others back for at most a
 * second, never makes the server's memory grow without bound, and is then let go with reason
 * "too slow"; clients that keep reading are never let go; a lone slow client pauses the program
 * as a terminal would.
 */
class BackpressureTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture(); // ring buffer of 64 KiB

    @Test
    void aClientThatStopsReadingDoesNotStallAnotherAndIsLetGoAsTooSlow() throws Exception {
        long id = server.shell("exec yes 0123456789abcdefghijklmnopqrstuvwxyz");
        TestTerminal slow = TestTerminal.open(server.url(), server.token, id, null, false);
        TestTerminal fast = server.attach(id);
        // far more than the slow one could hold in its send window and the socket buffers
        await().atMost(Duration.ofSeconds(60)).until(() -> fast.bytes.get() > 16L * 1024 * 1024);
        // the slow one got at most what fits in the socket buffers and the write queue, then was dropped
        await().atMost(Duration.ofSeconds(10)).until(() -> server.events(0).stream().anyMatch(e ->
                e.get("type").asText().equals("ClientDetached") && e.get("sessionId").asLong() == id
                        && e.get("data").get("reason").asText().equals("too slow")));
        slow.ws.request(Long.MAX_VALUE);
        JsonNode closed = slow.control("closed");
        assertThat(closed.get("reason").asText()).isEqualTo("too slow");
        assertThat(slow.bytes.get()).isLessThan(fast.bytes.get() / 4);
        long before = fast.bytes.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> fast.bytes.get() > before + 1024 * 1024);
        assertThat(server.get("/sessions/" + id).body().get("connections").asInt()).isEqualTo(1);
        server.post("/sessions/" + id + "/close?wait=true", null); // stop the flood
    }

    /**
     * Regression: healthy clients were let go as "too slow" when their send window was briefly in
     * flight while another client still had room, because the ring (64 KiB here) was passed in
     * microseconds. Now reading waits for a briefly full client instead.
     */
    @Test
    void twoClientsThatKeepReadingAFloodAreNeverLetGo() throws Exception {
        long id = server.shell("exec yes 0123456789abcdefghijklmnopqrstuvwxyz");
        TestTerminal a = server.attach(id);
        TestTerminal b = server.attach(id);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.bytes.get() > 32L * 1024 * 1024 && b.bytes.get() > 32L * 1024 * 1024);
        assertThat(a.closedWith).isNotDone();
        assertThat(b.closedWith).isNotDone();
        assertThat(server.get("/sessions/" + id).body().get("connections").asInt()).isEqualTo(2);
        server.post("/sessions/" + id + "/close?wait=true", null); // stop the flood
    }

    @Test
    void aLoneClientThatStopsReadingPausesTheProgramAsATerminalWould() throws Exception {
        java.nio.file.Path counter = java.nio.file.Files.createTempFile("tether-counter", ".txt");
        // 1 KiB lines, so the kernel's socket buffers (several MiB on loopback) fill in seconds
        long id = server.shell("p=$(printf '%01000d' 0); i=0; while :; do i=$((i+1)); echo \"line $i $p\"; echo $i > "
                + counter + "; done");
        TestTerminal slow = TestTerminal.open(server.url(), server.token, id, null, false);
        // the program writes until every buffer on the way is full, then blocks in write()
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(40)).until(stalled(counter));
        long paused = count(counter);
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(count(counter)).isEqualTo(paused));
        // still attached: a lone slow client is not dropped, the program waits for it
        assertThat(server.get("/sessions/" + id).body().get("connections").asInt()).isEqualTo(1);
        slow.ws.request(Long.MAX_VALUE);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(counter) > paused + 1000);
        server.post("/sessions/" + id + "/close?wait=true", null); // stop the flood
        java.nio.file.Files.deleteIfExists(counter);
    }

    /** A condition that holds when the program has counted (the counter is past 0) and not since the previous poll. */
    private static java.util.concurrent.Callable<Boolean> stalled(java.nio.file.Path counter) {
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(-1);
        return () -> {
            long now = count(counter);
            return now > 0 && now == last.getAndSet(now);
        };
    }

    private static long count(java.nio.file.Path counter) throws java.io.IOException {
        String s = java.nio.file.Files.readString(counter).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s);
    }
}
