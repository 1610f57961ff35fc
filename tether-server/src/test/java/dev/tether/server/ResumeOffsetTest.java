package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attach WebSocket's resume offset ({@code ?offset=N}, the bytes of the session's output a client
 * has): exactly the bytes after it, or a {@code lost} notice when the ring no longer holds them. Real
 * server (64 KiB rings), real programs, real sockets.
 */
class ResumeOffsetTest {
    static List<Integer> numbers(String text) {
        return SessionKeeperTest.numbers(text);
    }

    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /** Prints n0..n199, waits for a line, prints n200..n399, then waits. */
    static final String TWO_BATCHES = "i=0; while [ $i -lt 200 ]; do echo n$i; i=$((i+1)); done; read go;"
            + " while [ $i -lt 400 ]; do echo n$i; i=$((i+1)); done; exec sleep 600";

    @Test
    void attachedSaysTheOffsetOfItsFirstByte_andAResumeAtAnOffsetSendsExactlyTheBytesAfterIt() {
        long id = server.shell(TWO_BATCHES);
        var first = TestTerminal.open(server.server.url(), server.token, id, "replay=raw");
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(first.screen()).contains(199));
        JsonNode attached = first.control("attached");
        assertThat(attached.get("offset").asLong()).isZero(); // the ring has not wrapped: all of it is replayed
        long had = attached.get("offset").asLong() + first.bytes.get();
        first.ws.sendClose(1000, "bye").join();
        first.closedWith.join();

        var resumed = TestTerminal.open(server.server.url(), server.token, id, "offset=" + had);
        assertThat(resumed.control("attached").get("offset").asLong()).isEqualTo(had);
        resumed.ws.sendBinary(java.nio.ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)), true).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(resumed.screen()).contains(399));
        // Not one byte of the first batch again, and the continuation whole: the echo of "go", then n200..n399.
        assertThat(resumed.screen()).startsWith("go\r\n");
        assertThat(numbers(resumed.screen())).isEqualTo(IntStream.range(200, 400).boxed().toList());
        assertThat(resumed.received).noneMatch(m -> m.get("type").asText().equals("lost"));
    }

    /** A first attach is shown the screen: its position is the screen's offset plus what follows, and resuming there loses nothing. */
    @Test
    void aScreenAttachsPosition_isTheScreensOffsetPlusTheOutputAfterIt_andAResumeThereSendsExactlyWhatFollows() {
        long id = server.shell(TWO_BATCHES);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/sessions/" + id + "/screen").text().contains("n199"));
        var first = TestTerminal.open(server.server.url(), server.token, id, "scrollback=0");
        JsonNode screen = first.control("screen");
        await().atMost(Duration.ofSeconds(10)).until(() -> first.bytes.get() >= screen.get("bytes").asLong());
        assertThat(first.screen()).contains("n177\r\n", "n199").doesNotContain("n176"); // 24 rows (the cursor on the last), no scrollback
        long had = first.position();
        assertThat(had).isEqualTo(screen.get("offset").asLong());
        first.ws.sendClose(1000, "bye").join();
        first.closedWith.join();

        var resumed = TestTerminal.open(server.server.url(), server.token, id, "offset=" + had);
        assertThat(resumed.control("attached").get("offset").asLong()).isEqualTo(had);
        resumed.ws.sendBinary(java.nio.ByteBuffer.wrap("go\n".getBytes(StandardCharsets.US_ASCII)), true).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(resumed.screen()).contains(399));
        assertThat(resumed.screen()).startsWith("go\r\n");
        assertThat(numbers(resumed.screen())).isEqualTo(IntStream.range(200, 400).boxed().toList());
    }

    /**
     * A resume offset the ring no longer holds is shown the screen (it was told how many bytes it
     * lost and given what the ring held, which is not the screen once the ring wrapped), then the
     * output after it; its position is exact again.
     */
    @Test
    void aResumeOffsetTheRingNoLongerHolds_isShownTheScreen_thenWhatFollows() {
        int lines = 30_000; // about 190 KB with the PTY's CR LF: the 64 KiB ring wraps
        long total = IntStream.rangeClosed(1, lines).mapToLong(i -> Integer.toString(i).length() + 2).sum();
        long id = server.shell("seq 1 " + lines + "; exec sleep 600");
        var watcher = TestTerminal.open(server.server.url(), server.token, id, "replay=raw"); // sees the end of the output
        await().atMost(Duration.ofSeconds(20)).until(() -> watcher.screen().endsWith("\n" + lines + "\r\n"));
        assertThat(watcher.position()).isEqualTo(total);

        var late = TestTerminal.open(server.server.url(), server.token, id, "offset=0");
        JsonNode screen = late.control("screen");
        assertThat(screen.get("offset").asLong()).isEqualTo(total);
        await().atMost(Duration.ofSeconds(10)).until(() -> late.bytes.get() >= screen.get("bytes").asLong());
        assertThat(late.screen()).contains("29977\r\n", lines + "\r\n");
        assertThat(late.position()).isEqualTo(total);
        assertThat(late.received).noneMatch(m -> m.get("type").asText().equals("lost"));
    }

    @Test
    void aResumeOffsetThatIsNotAWholeNumberOrIsBeyondTheOutput_isACleanBadRequest_andRecordsNoConnection() {
        long id = server.shell("echo hello; exec sleep 600");
        var watcher = TestTerminal.open(server.server.url(), server.token, id, "replay=raw");
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.screen().contains("hello\r\n"));
        long written = watcher.control("attached").get("offset").asLong() + watcher.bytes.get();
        assertThat(written).isEqualTo("hello\r\n".length());
        int connections = server.get("/connections?allStates=true").body().size();
        for (String bad : List.of("-1", "abc", "1e3", "%20", "", "99999999999999999999", Long.toString(written + 1))) {
            var r = RawHttp.send(server.server.url(), "GET /api/v1/sessions/" + id + "/attach?offset=" + bad + " HTTP/1.1\r\n"
                    + "Host: " + server.server.url().getAuthority() + "\r\nAuthorization: Bearer " + server.token + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            assertThat(r.status()).as("offset=%s: %s", bad, r.body()).isEqualTo(400);
            assertThat(r.body()).contains("INVALID_PARAMETER").contains("offset");
        }
        var r = RawHttp.send(server.server.url(), "GET /api/v1/sessions/" + id + "/attach?offset=" + (written + 1) + " HTTP/1.1\r\n"
                + "Host: " + server.server.url().getAuthority() + "\r\nAuthorization: Bearer " + server.token + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(r.body()).contains("session " + id).contains("beyond its output").contains(written + " bytes");
        assertThat(server.get("/connections?allStates=true").body().size()).isEqualTo(connections);
    }
}
