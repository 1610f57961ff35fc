package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Disconnect and close as requests, and the statements of Disconnect-WmsSession and
 * Close-WmsSession that the REST API carries: ids or all, what-if, never the caller's own session,
 * unknown ids are errors, per-target results.
 */
class RequestsTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void aDisconnectAnswers202WithARunningRequestIdAtOnceAndTheRequestCompletesLater() {
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        t.control("attached");
        var accepted = server.post("/sessions/" + id + "/close", null);
        assertThat(accepted.status()).isEqualTo(202);
        long requestId = accepted.body().get("id").asLong();
        assertThat(requestId).isBetween(1L, 4294967295L);
        assertThat(accepted.body().get("operation").asText()).isEqualTo("close");
        assertThat(accepted.body().get("status").asText()).isEqualTo("RUNNING");
        var done = server.get("/requests/" + requestId + "?wait=true");
        assertThat(done.body().get("status").asText()).isEqualTo("COMPLETED");
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        assertThat(done.body().get("targets").get(0).get("status").asText()).isEqualTo("DONE");
        assertThat(done.body().get("targets").get(0).get("message").asText()).startsWith("session " + id + " (admin, sh) logged off");
    }

    @Test
    void disconnectWmsSession_SessionId_disconnectsEachNamedSessionAndReportsEachTarget() {
        long a = server.shell("exec sleep 60");
        long b = server.shell("exec sleep 60");
        TestTerminal ta = server.attach(a);
        TestTerminal tb = server.attach(b);
        ta.control("attached");
        tb.control("attached");
        var done = server.post("/sessions/disconnect?wait=true", "{\"ids\":[" + a + "," + b + "]}");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        assertThat(done.body().get("targets").findValuesAsText("status")).containsExactly("DONE", "DONE");
        assertThat(ta.control("closed").get("reason").asText()).isEqualTo("disconnected by admin");
        assertThat(tb.control("closed").get("reason").asText()).isEqualTo("disconnected by admin");
        assertThat(server.get("/sessions/" + a).body().get("state").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void disconnectWmsSession_All_disconnectsEverySessionButSkipsTheCallersOwn() {
        long own = server.shell("exec sleep 60");
        long other = server.shell("exec sleep 60");
        TestTerminal t1 = server.attach(own);
        TestTerminal t2 = server.attach(other);
        t1.control("attached");
        t2.control("attached");
        var done = server.call("POST", "/sessions/disconnect?wait=true", "{\"all\":true}", server.token, own);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        JsonNode ownTarget = target(done.body(), own);
        assertThat(ownTarget.get("status").asText()).isEqualTo("SKIPPED");
        assertThat(ownTarget.get("result").asText()).isEqualTo("OWN_SESSION");
        assertThat(target(done.body(), other).get("status").asText()).isEqualTo("DONE");
        assertThat(server.get("/sessions/" + own).body().get("state").asText()).isEqualTo("ACTIVE");
        assertThat(server.get("/sessions/" + other).body().get("state").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void disconnectWmsSession_refusesTheCallersOwnSessionWhenNamed() {
        long own = server.shell("exec sleep 60");
        var single = server.call("POST", "/sessions/" + own + "/disconnect", null, server.token, own);
        assertThat(single.status()).isEqualTo(409);
        assertThat(single.error()).isEqualTo("OWN_SESSION");
        assertThat(single.body().get("code").asInt()).isEqualTo(4317);
        var batch = server.call("POST", "/sessions/close?wait=true", "{\"ids\":[" + own + "]}", server.token, own);
        assertThat(batch.body().get("result").asText()).isEqualTo("OWN_SESSION");
        assertThat(target(batch.body(), own).get("status").asText()).isEqualTo("FAILED");
        assertThat(server.get("/sessions/" + own).body().get("state").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void disconnectWmsSession_WhatIf_saysWhatWouldHappenAndChangesNothing() {
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        long connect = t.control("attached").get("requestId").asLong();
        // "attached" may come before the attach's events are stored; its request completes in the same write.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/requests/" + connect).body().get("status").asText().equals("COMPLETED"));
        long eventsBefore = server.lastEventId();
        var answer = server.post("/sessions/close", "{\"ids\":[" + id + "],\"whatIf\":true}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("whatIf").asBoolean()).isTrue();
        assertThat(answer.body().get("id").asLong()).isZero();
        assertThat(target(answer.body(), id).get("message").asText())
                .isEqualTo("What if: Performing the operation \"Close\" on target \"session " + id + " (admin, sh)\".");
        var all = server.post("/sessions/disconnect", "{\"all\":true,\"whatIf\":true}");
        assertThat(all.body().get("targets").findValuesAsText("id")).contains(Long.toString(id));
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("ACTIVE");
        assertThat(t.closedWith).isNotDone();
        assertThat(server.lastEventId()).isEqualTo(eventsBefore);
    }

    @Test
    void closeWmsSession_unknownId_isAnError() {
        var single = server.post("/sessions/4000000/close", null);
        assertThat(single.status()).isEqualTo(404);
        assertThat(single.error()).isEqualTo("NOT_FOUND");
        assertThat(single.body().get("code").asInt()).isEqualTo(1168);
        assertThat(single.body().get("message").asText()).isEqualTo("no session 4000000 on test-server");
        long real = server.shell("exec sleep 60");
        var batch = server.post("/sessions/close?wait=true", "{\"ids\":[" + real + ",4000000]}");
        assertThat(batch.body().get("result").asText()).isEqualTo("NOT_FOUND");
        assertThat(target(batch.body(), 4000000).get("status").asText()).isEqualTo("FAILED");
        assertThat(target(batch.body(), real).get("status").asText()).isEqualTo("DONE");
    }

    @Test
    void aClosedSessionCannotBeDisconnectedOrClosedAgain() {
        long id = server.shell("exit 0");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("CLOSED"));
        var again = server.post("/sessions/" + id + "/close", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("INVALID_STATE");
        assertThat(again.body().get("message").asText()).contains("session " + id).contains("closed already");
    }

    @Test
    void disconnectingASessionWithNoClientSucceedsAndSaysItStaysDisconnected() {
        long id = server.shell("exec sleep 60");
        var done = server.post("/sessions/" + id + "/disconnect?wait=true", null);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        assertThat(done.body().get("targets").get(0).get("message").asText()).contains("had no client attached");
    }

    @Test
    void closeAllClosesEveryVisibleSession() {
        try (var own = new ServerFixture()) {
            var ids = new ArrayList<Long>();
            for (int i = 0; i < 5; i++) {
                ids.add(own.shell("exec sleep 60"));
            }
            var done = own.post("/sessions/close?wait=true", "{\"all\":true}");
            assertThat(done.body().get("result").asText()).isEqualTo("OK");
            assertThat(done.body().get("targets")).hasSize(5);
            assertThat(own.get("/sessions").body()).isEmpty();
            for (long id : ids) {
                assertThat(own.get("/sessions/" + id).body().get("state").asText()).isEqualTo("CLOSED");
            }
        }
    }

    static JsonNode target(JsonNode request, long id) {
        for (JsonNode t : request.get("targets")) {
            if (t.get("id").asLong() == id) {
                return t;
            }
        }
        throw new AssertionError("no target " + id + " in " + request);
    }



    /**
     * GET /requests/{id}?timeout= was validated only with wait=true. Reproduction:
     * {@code GET /requests/N?timeout=abc} answered 200 with the request. Now it is INVALID_PARAMETER
     * whether or not wait is given, as the document says of the parameter.
     */
    @Test
    void aTimeoutThatIsNotAWholeNumberFrom0To300IsRefused_withOrWithoutWait() {
        long id = server.shell("exec sleep 60");
        long requestId = server.post("/sessions/" + id + "/disconnect", null).body().get("id").asLong();

        for (String query : new String[] {"?timeout=abc", "?timeout=301", "?wait=false&timeout=-1", "?wait=true&timeout=abc"}) {
            var answer = server.get("/requests/" + requestId + query);
            assertThat(answer.status()).as(query).isEqualTo(400);
            assertThat(answer.error()).isEqualTo("INVALID_PARAMETER");
            assertThat(answer.body().path("message").asText()).startsWith("the query parameter timeout=");
        }
        assertThat(server.get("/requests/" + requestId + "?timeout=5").status()).as("a valid timeout without wait").isEqualTo(200);
    }
}
