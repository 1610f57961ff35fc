package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad WebSocket frames on the attach endpoint get the close code RFC 6455 names, a close frame and
 * a closed socket; bad control messages and refused input get an answer (issue 8, §3). Raw frames over a
 * socket, since no WebSocket library sends these.
 */
class AttachFramesTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    LogCapture log;

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    /** An attached raw client of a new session that never reads its input, and its connection id. */
    record Attached(RawWebSocket ws, long sessionId, long connectionId) {
    }

    static Attached attach(long session) throws Exception {
        var ws = RawWebSocket.attach(server.url(), server.token, session);
        long connection = ws.control("connecting").path("connectionId").asLong();
        ws.control("attached");
        return new Attached(ws, session, connection);
    }

    static Attached attachNew() throws Exception {
        return attach(server.shell("stty raw -echo; exec sleep 600"));
    }

    /** The connection once the server has marked it DEACTIVATED (5 s at most). */
    JsonNode connection(long id) {
        return await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/connections/" + id).body(),
                c -> c.path("state").asText().equals("DEACTIVATED"));
    }

    static long bytesIn(Attached c) {
        return server.get("/connections/" + c.connectionId()).body().path("bytesIn").asLong();
    }

    /** Reproduction: a single binary frame of 64 KiB + 1 was answered with close code 1000 (normal). */
    @Test
    void aFrameOverSixtyFourKibClosesWith1009() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            ws.binary(new byte[64 * 1024 + 1]);
            var close = ws.closeFrame();
            assertThat(close).as("a close frame").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1009);
            assertThat(ws.endedByServer()).isTrue();
        }
        assertThat(connection(a.connectionId()).path("state").asText()).isEqualTo("DEACTIVATED");
    }

    /**
     * Reproduction: binary fragments of 64 KiB past the 256 KiB message limit marked the connection
     * DEACTIVATED but left the socket open with no close frame.
     */
    @Test
    void aFragmentedMessageOverTwoHundredFiftySixKibClosesWith1009AndNothingOfItIsInput() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            ws.frame(false, 0, RawWebSocket.BINARY, new byte[64 * 1024]);
            for (int i = 0; i < 3; i++) {
                ws.frame(false, 0, RawWebSocket.CONTINUATION, new byte[64 * 1024]);
            }
            ws.frame(true, 0, RawWebSocket.CONTINUATION, new byte[1]);
            var close = ws.closeFrame();
            assertThat(close).as("a close frame").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1009);
            assertThat(ws.endedByServer()).isTrue();
        }
        JsonNode c = connection(a.connectionId());
        assertThat(c.path("state").asText()).isEqualTo("DEACTIVATED");
        assertThat(c.path("bytesIn").asLong()).isZero();
    }

    /** Reproduction: a text frame with the bytes {@code {\xc3(}} (invalid UTF-8) was taken as text, not closed. */
    @Test
    void invalidUtf8InATextFrameClosesWith1007() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            ws.frame(true, 0, RawWebSocket.TEXT, new byte[] {'{', (byte) 0xc3, '(', '}'});
            var close = ws.closeFrame();
            assertThat(close).as("a close frame").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1007);
            assertThat(ws.endedByServer()).isTrue();
        }
        assertThat(connection(a.connectionId()).path("state").asText()).isEqualTo("DEACTIVATED");
    }

    /** Reproduction: a binary frame with RSV1 set (no extension was negotiated) left the socket open with no close frame. */
    @Test
    void aFrameWithRsv1SetClosesWith1002() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            ws.frame(true, 4, RawWebSocket.BINARY, "ls\r".getBytes());
            var close = ws.closeFrame();
            assertThat(close).as("a close frame").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1002);
            assertThat(ws.endedByServer()).isTrue();
        }
        assertThat(connection(a.connectionId()).path("state").asText()).isEqualTo("DEACTIVATED");
    }

    /** Reproduction: a lone continuation frame (nothing to continue) was answered with close code 1000 (normal). */
    @Test
    void aContinuationFrameWithNoMessageToContinueClosesWith1002() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            ws.frame(true, 0, RawWebSocket.CONTINUATION, "ls\r".getBytes());
            var close = ws.closeFrame();
            assertThat(close).as("a close frame").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1002);
            assertThat(ws.endedByServer()).isTrue();
        }
        assertThat(connection(a.connectionId()).path("state").asText()).isEqualTo("DEACTIVATED");
    }

    /** Reproduction: the control message {@code null} logged a NullPointerException at ERROR and got no answer. */
    @Test
    void aControlMessageThatIsNotAnObjectIsAnsweredWithAnErrorAndLogsNone() throws Exception {
        var a = attachNew();
        try (var ws = a.ws()) {
            for (String bad : List.of("null", "[]", "1", "\"resize\"", "{}", "{\"type\":null}", "{\"type\":\"resize\"}",
                    "{\"type\":\"resize\",\"cols\":80,\"rows\":24,\"extra\":1}", "{\"type\":\"ack\",\"messageId\":null}",
                    "{\"type\":\"resize\",\"cols\":99999999999,\"rows\":24}", "{\"type\":\"\\ud800\"}")) {
                ws.text(bad);
                JsonNode error = ws.control();
                assertThat(error).as(bad).isNotNull();
                assertThat(error.path("type").asText()).as(bad).isEqualTo("error");
                assertThat(error.path("error").asText()).as(bad).isEqualTo("INVALID_PARAMETER");
                assertThat(error.path("message").asText()).as(bad).isNotBlank().doesNotContain("Exception").doesNotContain("dev.tether");
            }
            ws.text("{\"type\":\"resize\",\"cols\":100,\"rows\":30}");
            await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/sessions/" + a.sessionId()).body().path("cols").asInt() == 100);
            assertThat(server.get("/sessions/" + a.sessionId()).body().path("cols").asInt()).as("a good one still works").isEqualTo(100);
        }
        assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
    }

    /**
     * Reproduction: input past the 1 MiB queue limit was dropped with no word to the client, counted in
     * bytesIn anyway, and each refused frame logged an ERROR with a stack trace.
     */
    @Test
    void inputOverTheQueueLimitIsRefusedWithAnErrorAndNotCounted() throws Exception {
        long session = server.shell("stty raw -echo; exec sleep 600");
        int messageBytes = 255 * 1024;
        List<Attached> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(attach(session));
        }
        for (Attached c : clients) {
            c.ws().frame(false, 0, RawWebSocket.BINARY, new byte[64 * 1024]);
            c.ws().frame(false, 0, RawWebSocket.CONTINUATION, new byte[64 * 1024]);
            c.ws().frame(false, 0, RawWebSocket.CONTINUATION, new byte[64 * 1024]);
            c.ws().frame(true, 0, RawWebSocket.CONTINUATION, new byte[63 * 1024]);
            // The server has settled this message before the next comes: counted it, or told the client it was refused.
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> bytesIn(c) != 0 || c.ws().hasControl("error"));
        }
        int refused = 0;
        for (Attached c : clients) {
            // An accepted client stays paused (the program never reads), so only a refused one can be asked.
            long bytesIn = bytesIn(c);
            if (bytesIn == 0) {
                refused++;
                JsonNode m = c.ws().control("error");
                assertThat(m.path("error").asText()).isEqualTo("TOO_LARGE");
                assertThat(m.path("message").asText()).contains("refused").contains("session " + session);
            } else {
                assertThat(bytesIn).as("all or nothing of a message is counted").isEqualTo(messageBytes);
            }
        }
        assertThat(refused).as("6 x 255 KiB against a 1 MiB queue").isGreaterThanOrEqualTo(1);
        assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
        for (Attached c : clients) {
            c.ws().close();
        }
    }
}
