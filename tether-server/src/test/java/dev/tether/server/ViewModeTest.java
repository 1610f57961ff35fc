package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Watching without typing (issue 12 §4): an attach with {@code mode=view} is shown the screen and
 * the output, but its input never reaches the program (each refusal says how many bytes so far), and
 * its window size and acknowledgements change nothing.
 */
class ViewModeTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void aViewConnection_seesTheOutput_butItsInputIsRefusedAndCounted_andItsSizeChangesNothing() {
        long id = server.shell("read line; echo got $line; exec sleep 600");
        var viewer = TestTerminal.open(server.server.url(), server.token, id, "mode=view&cols=100&rows=40");
        viewer.control("screen");

        viewer.type("hello\n");
        var refused = viewer.control("error");
        viewer.type("x");
        var again = viewer.control("error");

        assertThat(refused.path("error").asText()).isEqualTo("ACCESS_DENIED");
        assertThat(refused.path("message").asText()).contains("only views session " + id, "6 bytes refused so far");
        assertThat(again.path("message").asText()).contains("7 bytes refused so far");
        var session = server.get("/sessions/" + id).body();
        assertThat(session.path("cols").asInt()).as("the viewer's 100 columns did not size the session").isEqualTo(80);
        assertThat(session.path("rows").asInt()).isEqualTo(24);

        var controller = TestTerminal.open(server.server.url(), server.token, id, null);
        controller.control("screen");
        controller.type("typed by the controller\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> viewer.screen().contains("got typed by the controller"));
        assertThat(viewer.screen()).doesNotContain("got hello").doesNotContain("got x");
    }

    @Test
    void aViewConnectionCannotAnswerTheSessionsMessages() {
        long id = server.shell("exec sleep 600");
        var viewer = TestTerminal.open(server.server.url(), server.token, id, "mode=view");
        viewer.control("screen");
        var sent = server.post("/sessions/" + id + "/message", "{\"title\":\"t\",\"text\":\"x\",\"timeoutSeconds\":30}");
        assertThat(sent.status()).as(sent.text()).isBetween(200, 299);
        long messageId = viewer.control("message").path("messageId").asLong();

        viewer.ws.sendText("{\"type\":\"ack\",\"messageId\":" + messageId + "}", true).join();

        assertThat(viewer.control("error").path("message").asText()).contains("only views session " + id,
                "the session's own clients answer its messages");
    }

    @Test
    void aModeThatIsNeitherControlNorView_isABadRequest() {
        long id = server.shell("exec sleep 600");
        var r = RawHttp.send(server.server.url(), "GET /api/v1/sessions/" + id + "/attach?mode=spy HTTP/1.1\r\nHost: "
                + server.server.url().getAuthority() + "\r\nAuthorization: Bearer " + server.token + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("mode=spy must be control");
    }
}
