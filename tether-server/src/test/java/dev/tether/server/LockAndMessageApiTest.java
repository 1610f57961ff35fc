package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lock-WmsSession, Unlock-WmsSession and WTSSendMessage through the REST API and real attached clients. */
class LockAndMessageApiTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void lockWmsSession_showsTheMessage_withholdsOutputAndIgnoresInput_untilUnlocked() throws Exception {
        long id = server.shell("i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done");
        TestTerminal t = server.attach(id);
        t.control("attached");
        await().atMost(Duration.ofSeconds(5)).until(() -> SessionLifecycleTest.lastTick(t.screen()) > 2);
        var locked = server.post("/sessions/" + id + "/lock?wait=true", "{\"message\":\"Back at 3 pm\"}");
        assertThat(locked.body().get("result").asText()).isEqualTo("OK");
        assertThat(t.control("lock").get("message").asText()).isEqualTo("Back at 3 pm");
        assertThat(server.get("/sessions/" + id).body().get("locked").asBoolean()).isTrue();
        // what was in flight when the lock came
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(unchanged(t.bytes::get));
        long heldAt = t.bytes.get();
        t.type("should be ignored\r");
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(t.bytes.get()).as("no output while locked").isEqualTo(heldAt));
        var unlocked = server.post("/sessions/" + id + "/unlock?wait=true", "{}");
        assertThat(unlocked.body().get("result").asText()).isEqualTo("OK");
        t.control("unlock");
        await().atMost(Duration.ofSeconds(5)).until(() -> t.bytes.get() > heldAt);
        int missed = SessionLifecycleTest.lastTick(t.screen());
        await().atMost(Duration.ofSeconds(5)).until(() -> SessionLifecycleTest.lastTick(t.screen()) > missed); // live again
        assertThat(t.screen()).doesNotContain("should be ignored");
        assertThat(ServerFixture.types(server.events(0))).contains("SessionLocked", "SessionUnlocked");
    }

    @Test
    void lockWmsSession_requiresAMessage() {
        long id = server.shell("exec sleep 60");
        var r = server.post("/sessions/" + id + "/lock", "{}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().get("message").asText()).contains("needs a message");
    }

    @Test
    void unlockWmsSession_byTheOwnerNeedsTheirPassword() {
        String bob = server.addUser("bob", false);
        server.post("/users/bob/password", "{\"password\":\"bobs-password-1\"}");
        var created = server.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", bob, null);
        long id = created.body().get("id").asLong();
        server.call("POST", "/sessions/" + id + "/lock?wait=true", "{\"message\":\"lunch\"}", bob, null);
        assertThat(server.call("POST", "/sessions/" + id + "/unlock", "{}", bob, null).status()).isEqualTo(403);
        assertThat(server.call("POST", "/sessions/" + id + "/unlock", "{\"password\":\"nope\"}", bob, null).status()).isEqualTo(403);
        var ok = server.call("POST", "/sessions/" + id + "/unlock?wait=true", "{\"password\":\"bobs-password-1\"}", bob, null);
        assertThat(ok.body().get("result").asText()).isEqualTo("OK");
    }

    @Test
    void sendMessage_withWait_isOkWhenAClientAcknowledges() {
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        t.control("attached");
        var answer = CompletableFuture.supplyAsync(() -> server.post("/sessions/" + id + "/message",
                "{\"title\":\"Maintenance\",\"text\":\"Reboot at 5\",\"timeoutSeconds\":20,\"wait\":true}"));
        JsonNode shown = t.control("message");
        assertThat(shown.get("title").asText()).isEqualTo("Maintenance");
        assertThat(shown.get("text").asText()).isEqualTo("Reboot at 5");
        t.sendControl("{\"type\":\"ack\",\"messageId\":" + shown.get("messageId").asLong() + "}");
        JsonNode result = answer.join().body();
        assertThat(result.get("response").asText()).isEqualTo("OK");
        assertThat(result.get("responseCode").asInt()).isEqualTo(1);
    }

    @Test
    void sendMessage_withWait_isTimeout_IDTIMEOUT_32000_whenTheTimeoutPassesFirst() {
        long id = server.shell("exec sleep 60");
        server.attach(id).control("attached");
        JsonNode result = server.post("/sessions/" + id + "/message",
                "{\"title\":\"Hello\",\"text\":\"anyone?\",\"timeoutSeconds\":1,\"wait\":true}").body();
        assertThat(result.get("response").asText()).isEqualTo("TIMEOUT");
        assertThat(result.get("responseCode").asInt()).isEqualTo(32000);
    }

    @Test
    void sendMessage_withoutWait_isAsync_IDASYNC_32001_atOnce() {
        long id = server.shell("exec sleep 60");
        server.attach(id).control("attached");
        JsonNode result = server.post("/sessions/" + id + "/message", "{\"title\":\"Hello\",\"text\":\"fyi\"}").body();
        assertThat(result.get("response").asText()).isEqualTo("ASYNC");
        assertThat(result.get("responseCode").asInt()).isEqualTo(32001);
    }

    @Test
    void sendMessage_toASessionWithNoClientAttached_isAClearError() {
        long id = server.shell("exec sleep 60");
        var r = server.post("/sessions/" + id + "/message", "{\"title\":\"Hello\",\"text\":\"anyone?\",\"wait\":true}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("INVALID_STATE");
        assertThat(r.body().get("message").asText()).isEqualTo("session " + id + " has no client attached to show the message to");
    }

    /** A condition that holds when {@code value} reads the same as at the previous poll: nothing changed in between. */
    private static Callable<Boolean> unchanged(Supplier<?> value) {
        AtomicReference<Object> last = new AtomicReference<>(new Object());
        return () -> {
            Object now = value.get();
            return now.equals(last.getAndSet(now));
        };
    }
}
