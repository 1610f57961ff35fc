package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** IMbnConnection's statements through the REST API, with real WebSocket clients on real sessions. */
class MbnConnectionApiTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    JsonNode event(long since, String type, long connectionId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.events(since).stream().anyMatch(e -> matches(e, type, connectionId)));
        return server.events(since).stream().filter(e -> matches(e, type, connectionId)).findFirst().orElseThrow();
    }

    private static boolean matches(JsonNode e, String type, long connectionId) {
        return e.get("type").asText().equals(type) && e.get("data").path("connectionId").asLong() == connectionId;
    }

    @Test
    void connect_returnsARequestIdAtOnceInTheFirstControlMessage_andConnectCompleteCarriesIt() {
        long since = server.lastEventId();
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        JsonNode first = t.control("connecting");
        long requestId = first.get("requestId").asLong();
        long connectionId = first.get("connectionId").asLong();
        JsonNode attached = t.control("attached");
        assertThat(attached.get("connectionId").asLong()).isEqualTo(connectionId);
        assertThat(attached.get("requestId").asLong()).isEqualTo(requestId);
        JsonNode complete = event(since, "ConnectComplete", connectionId);
        assertThat(complete.get("data").get("requestId").asLong()).isEqualTo(requestId);
        assertThat(complete.get("data").get("status").asText()).isEqualTo("OK");
        JsonNode c = server.get("/connections/" + connectionId).body();
        assertThat(c.get("state").asText()).isEqualTo("ACTIVATED");
        assertThat(c.get("stateCode").asInt()).isEqualTo(1);
        assertThat(c.get("sessionId").asLong()).isEqualTo(id);
        assertThat(c.get("user").asText()).isEqualTo("admin");
    }

    @Test
    void disconnect_returnsAUniqueRequestIdAtOnce_andDisconnectCompleteFollowsWhenTheTransportIsClosed() throws Exception {
        long since = server.lastEventId();
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        long connectionId = t.control("connecting").get("connectionId").asLong();
        t.control("attached");
        var accepted = server.post("/connections/" + connectionId + "/disconnect", null);
        assertThat(accepted.status()).isEqualTo(202);
        long requestId = accepted.body().get("id").asLong();
        assertThat(requestId).isBetween(1L, 4294967295L);
        assertThat(t.closedWith.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
        JsonNode complete = event(since, "DisconnectComplete", connectionId);
        assertThat(complete.get("data").get("requestId").asLong()).isEqualTo(requestId);
        assertThat(complete.get("data").get("status").asText()).isEqualTo("OK");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/connections/" + connectionId).body().get("state").asText().equals("DEACTIVATED"));
        JsonNode c = server.get("/connections/" + connectionId).body();
        assertThat(c.get("stateCode").asInt()).isEqualTo(3);
        assertThat(c.get("disconnectReason").asText()).isEqualTo("disconnected by admin");
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void disconnect_ofAConnectionThatIsAlreadyDisconnected_isNotFound_0x80070490_withNoRequest() {
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        long connectionId = t.control("connecting").get("connectionId").asLong();
        t.control("attached");
        assertThat(server.post("/connections/" + connectionId + "/disconnect?wait=true", null).body().get("result").asText()).isEqualTo("OK");
        var again = server.post("/connections/" + connectionId + "/disconnect", null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.error()).isEqualTo("NOT_FOUND");
        assertThat(again.body().get("code").asInt()).isEqualTo(1168);
        assertThat(Integer.toHexString(0x80070000 | again.body().get("code").asInt())).isEqualTo("80070490");
        assertThat(again.body().get("message").asText()).contains("connection " + connectionId + " is already disconnected");
        assertThat(again.body().has("id")).isFalse();
    }

    @Test
    void disconnect_byAnApplicationToken_isLimitedToConnectionsThatApplicationInitiated() {
        String editor = server.post("/tokens", "{\"application\":\"editor\"}").body().get("token").asText();
        String viewer = server.post("/tokens", "{\"application\":\"viewer\"}").body().get("token").asText();
        long id = server.shell("exec sleep 60");
        TestTerminal mine = TestTerminal.open(server.url(), editor, id, null);
        TestTerminal theirs = TestTerminal.open(server.url(), viewer, id, null);
        long mineId = mine.control("connecting").get("connectionId").asLong();
        long theirsId = theirs.control("connecting").get("connectionId").asLong();
        mine.control("attached");
        theirs.control("attached");
        assertThat(server.get("/connections/" + theirsId).body().get("application").asText()).isEqualTo("viewer");
        var refused = server.call("POST", "/connections/" + theirsId + "/disconnect", null, editor, null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("ACCESS_DENIED");
        assertThat(refused.body().get("message").asText()).contains("initiated by application viewer");
        assertThat(server.get("/connections/" + theirsId).body().get("state").asText()).isEqualTo("ACTIVATED");
        var allowed = server.call("POST", "/connections/" + mineId + "/disconnect?wait=true", null, editor, null);
        assertThat(allowed.body().get("result").asText()).isEqualTo("OK");
        var whole = server.call("POST", "/sessions/" + id + "/disconnect", null, editor, null);
        assertThat(whole.status()).isEqualTo(403);
    }

    @Test
    void disconnectingASession_disconnectsEachOfItsConnections_eachWithItsDisconnectComplete() {
        long since = server.lastEventId();
        long id = server.shell("exec sleep 60");
        TestTerminal a = server.attach(id);
        TestTerminal b = server.attach(id);
        long aId = a.control("connecting").get("connectionId").asLong();
        long bId = b.control("connecting").get("connectionId").asLong();
        a.control("attached");
        b.control("attached");
        long requestId = server.post("/sessions/" + id + "/disconnect?wait=true", null).body().get("id").asLong();
        assertThat(event(since, "DisconnectComplete", aId).get("data").get("requestId").asLong()).isEqualTo(requestId);
        assertThat(event(since, "DisconnectComplete", bId).get("data").get("requestId").asLong()).isEqualTo(requestId);
    }

    @Test
    void changesTheSystemMakesOnItsOwn_areConnectStateChangeEvents() {
        long since = server.lastEventId();
        long id = server.shell("read x; exit 0");
        TestTerminal left = server.attach(id);
        long leftId = left.control("connecting").get("connectionId").asLong();
        left.control("attached");
        left.leave();
        JsonNode change = event(since, "ConnectStateChange", leftId);
        assertThat(change.get("data").get("state").asText()).isEqualTo("DEACTIVATED");
        assertThat(change.get("data").get("reason").asText()).isEqualTo("client closed the connection");
        TestTerminal ended = server.attach(id);
        long endedId = ended.control("connecting").get("connectionId").asLong();
        ended.control("attached");
        ended.type("\r");
        assertThat(event(since, "ConnectStateChange", endedId).get("data").get("reason").asText()).isEqualTo("program exited");
    }

    /** Regression: a client that closed while its attach completed was left ACTIVATED for good. */
    @Test
    void aClientThatHangsUpWhileConnecting_isLetGo_notLeftActivated() {
        long id = server.shell("exec sleep 60");
        for (int i = 0; i < 5; i++) {
            TestTerminal t = server.attach(id);
            long connectionId = t.control("connecting").get("connectionId").asLong();
            t.leave();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    server.get("/connections/" + connectionId).body().get("state").asText().equals("DEACTIVATED"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("DISCONNECTED"));
    }

    @Test
    void connectionsAreListedWithTheirHistory_filteredBySessionAndState() {
        long id = server.shell("exec sleep 60");
        TestTerminal a = server.attach(id);
        long aId = a.control("connecting").get("connectionId").asLong();
        a.control("attached");
        a.leave();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/connections/" + aId).body().get("state").asText().equals("DEACTIVATED"));
        TestTerminal b = server.attach(id);
        long bId = b.control("connecting").get("connectionId").asLong();
        b.control("attached");
        List<String> all = server.get("/connections?sessionId=" + id).body().findValuesAsText("id");
        assertThat(all).containsExactly(Long.toString(aId), Long.toString(bId));
        assertThat(server.get("/connections?sessionId=" + id + "&state=ACTIVATED").body().findValuesAsText("id"))
                .containsExactly(Long.toString(bId));
        assertThat(server.get("/connections?state=sideways").status()).isEqualTo(400);
        b.type("x");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/connections/" + bId).body().get("bytesIn").asLong() == 1);
    }
}
