package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One regression test per defect the fuzz tests ({@link RestFuzzTest}, {@link AttachFuzzTest}) found
 * (issue 9, §4). Each Javadoc has the reproduction.
 */
class FuzzFindingsTest {
    /** Few connections per address, so a leak of them shows within a handful of attaches. */
    static final int CAP = 4;

    @RegisterExtension
    static final ServerFixture server = new ServerFixture(ServerConfig.Limits.DEFAULTS.withMaxConnectionsPerAddress(CAP));
    static long session;

    @BeforeAll
    static void aSession() {
        session = server.shell("exec sleep 600");
    }

    /** The events stored after {@code since}: a refused request must add none. */
    static List<String> eventsAfter(long since) {
        return ServerFixture.types(server.events(since));
    }

    /**
     * Reproduction: {@code POST /sessions/{id}/lock?wait=maybe} with {@code {"message":"m"}} answered 400
     * ("wait=maybe must be true or false") after the lock had been submitted: the session was locked all
     * the same. The same held for unlock, the batch lock and unlock, and a connection's disconnect.
     */
    @Test
    void aBadWaitParameterIsRefusedBeforeTheLockUnlockOrDisconnectIsSubmitted() throws Exception {
        long beforeAttach = server.lastEventId();
        var attached = RawWebSocket.attach(server.url(), server.token, session);
        long connection = attached.control("connecting").path("connectionId").asLong();
        attached.control("attached");
        try (attached) {
            // The attached frame goes out before the connect's events are stored (in one transaction,
            // the request's RequestCompleted last): they must not be counted as the refused requests'.
            await().atMost(Duration.ofSeconds(10)).until(() -> eventsAfter(beforeAttach).contains("RequestCompleted"));
            long before = server.lastEventId();
            List<String[]> calls = List.of(
                    new String[] {"/sessions/" + session + "/lock?wait=maybe", "{\"message\":\"m\"}"},
                    new String[] {"/sessions/lock?wait=maybe", "{\"ids\":[" + session + "],\"message\":\"m\"}"},
                    new String[] {"/sessions/" + session + "/unlock?wait=maybe", "{}"},
                    new String[] {"/sessions/unlock?wait=maybe", "{\"ids\":[" + session + "]}"},
                    new String[] {"/connections/" + connection + "/disconnect?wait=maybe", "{}"},
                    new String[] {"/sessions/" + session + "/disconnect?wait=maybe", "{}"},
                    new String[] {"/sessions/disconnect?wait=maybe", "{\"ids\":[" + session + "]}"});
            for (String[] call : calls) {
                var r = server.post(call[0], call[1]);
                assertThat(r.status()).as(call[0]).isEqualTo(400);
                assertThat(r.body().path("message").asText()).as(call[0]).contains("wait=maybe");
            }
            assertThat(eventsAfter(before)).as("events after the refused requests").isEmpty();
            assertThat(server.get("/sessions/" + session).body().path("locked").asBoolean()).isFalse();
            assertThat(server.get("/connections/" + connection).body().path("state").asText()).isEqualTo("ACTIVATED");
        }
    }

    /**
     * Reproduction: {@code GET /events?since=0&follow=maybe} answered 200 and streamed on, as if the
     * value were {@code true}: any value but {@code false} was taken as true, where every other flag of
     * the API refuses what is neither {@code true} nor {@code false}.
     */
    @Test
    void anEventsFollowValueThatIsNeitherTrueNorFalseIsRefusedWith400() {
        // Before the fix the stream never ended, so the call must not wait for the end of a stream.
        var r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> server.get("/events?since=0&follow=maybe"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("message").asText()).contains("follow=maybe");
    }

    /**
     * Reproduction: {@code POST /users} with the body {@code {"name":"b\xff\xfe"}} (Latin-1 bytes, not UTF-8)
     * answered 201 and created a user named {@code "b\ufffd\ufffd"}: Vert.x decodes a body leniently.
     */
    @Test
    void aBodyThatIsNotUtf8IsRefusedWith400AndChangesNothing() throws Exception {
        long before = server.lastEventId();
        String users = server.get("/users").text();
        var bodies = java.util.Map.of("/users", "{\"name\":\"b\u00ff\u00fe\"}",
                "/sessions", "{\"command\":\"/bin/echo\",\"args\":[\"\u00ff\"]}",
                "/tokens", "{\"application\":\"a\u00ff\"}",
                "/sessions/" + session + "/lock", "{\"message\":\"m\u00ff\"}",
                "/login", "{\"user\":\"u\u00ff\",\"password\":\"p\"}");
        for (var entry : bodies.entrySet()) {
            String path = entry.getKey();
            byte[] body = entry.getValue().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            var r = server.http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1" + path))
                    .header("Authorization", "Bearer " + server.token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).contains("not valid UTF-8");
        }
        assertThat(server.get("/users").text()).isEqualTo(users);
        assertThat(eventsAfter(before)).isEmpty();
    }

    /**
     * Reproduction: {@code GET /requests/1?timeout=\u0663\u0660} (Arabic-Indic "30") was taken as 30, and
     * {@code ?timeout=+5} as 5: {@link Integer#parseInt} takes any Unicode digit and a sign.
     */
    @Test
    void queryNumbersTakeAsciiDigitsOnly() {
        for (String bad : List.of("%D9%A3%D9%A0", "+5", "-0", "%EF%BC%95", "%E0%A5%AB", "05%20")) {
            var r = server.get("/requests/1?timeout=" + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.body().path("message").asText()).as(bad).contains("timeout=").contains("whole number");
            var attach = server.get("/sessions/" + session + "/attach?cols=" + bad + "&rows=24");
            assertThat(attach.status()).as(bad).isEqualTo(400);
            assertThat(attach.body().path("message").asText()).as(bad).contains("cols=");
        }
    }

    /**
     * Reproduction: {@code GET /api/v1/sessions/%-0} and {@code /api/v1/users/%+f/password} were decoded
     * ({@code Integer.parseInt("-0", 16)} is 0) instead of being refused as bad URL encoding.
     */
    @Test
    void aPercentEscapeWithASignIsRefusedAsBadUrlEncoding() {
        String head = " HTTP/1.1\r\nHost: " + server.url().getAuthority() + "\r\nAuthorization: Bearer " + server.token
                + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        for (String target : List.of("GET /api/v1/sessions/%-0", "GET /api/v1/sessions/1%-1", "POST /api/v1/users/%+f/password",
                "GET /api/v1/workspaces/%-a", "GET /api/v1/requests/1?timeout=%-1", "GET /api/v1/sessions?allStates=%+0")) {
            var r = RawHttp.send(server.url(), target + head);
            assertThat(r.status()).as(target).isEqualTo(400);
            assertThat(r.body()).as(target).contains("not valid URL encoding");
        }
    }

    /**
     * Reproduction: with 4 connections allowed per address, the 5th attach of a client that attached and
     * closed one WebSocket at a time was closed at once: a WebSocket's connection was never taken off
     * its address's count when it closed.
     */
    @Test
    void anAttachWebSocketThatClosedNoLongerCountsAgainstItsAddress() throws Exception {
        for (int i = 0; i < 3 * CAP; i++) {
            long connection;
            try (var ws = RawWebSocket.attach(server.url(), server.token, session)) {
                connection = ws.control("connecting").path("connectionId").asLong();
                ws.control("attached");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.get("/connections/" + connection).body()
                    .path("state").asText().equals("DEACTIVATED"));
        }
        assertThat(server.get("/server").status()).isEqualTo(200);
    }
}
