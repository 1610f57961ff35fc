package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a token opened ends with the token: event streams and attach WebSockets, also those opened with its tickets. */
class RevocationTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /** A followed event stream, read on a thread of its own; {@link #ended} completes at its end. */
    record Stream(InputStream body, CompletableFuture<Instant> ended) {
        static Stream open(String query, String bearer) throws Exception {
            var b = HttpRequest.newBuilder(server.url().resolve("/api/v1/events?since=0" + query));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<InputStream> r = server.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            var s = new Stream(r.body(), new CompletableFuture<>());
            Thread.ofVirtual().start(() -> {
                try (InputStream in = r.body()) {
                    while (in.read() >= 0) {
                        // keep reading: the events and keepalives until the server ends the stream
                    }
                } catch (Exception e) {
                    // a reset ends it too
                }
                s.ended().complete(Instant.now());
            });
            return s;
        }
    }

    private static String ticket(String bearer) {
        return server.call("POST", "/tickets", null, bearer, null).body().get("ticket").asText();
    }

    /**
     * A revoked token's event stream kept flowing. Reproduction: with a workspace token W, follow
     * {@code GET /api/v1/events} (directly, and with a ticket W asked for), then
     * {@code POST /workspaces/ID/disconnect}: W is revoked (a call with it answers 401), yet both
     * streams went on delivering every user's events and keepalives for as long as they were
     * read (still open after 10 s). Now both end within a second of the disconnect.
     */
    @Test
    void revokingAWorkspaceTokenEndsItsEventStreamsWithinASecond() throws Exception {
        assertThat(server.post("/users/admin/password", "{\"password\":\"Correct-Horse-Battery-7\"}").status()).isEqualTo(200);
        var started = server.post("/workspaces", "{\"id\":\"ws-revoked\",\"friendlyName\":\"Revoked\",\"userName\":\"admin\","
                + "\"password\":\"Correct-Horse-Battery-7\",\"timeoutMinutes\":0}");
        assertThat(started.status()).as(started.text()).isEqualTo(201);
        String workspaceToken = started.body().get("token").asText();
        var direct = Stream.open("", workspaceToken);
        var byTicket = Stream.open("&ticket=" + ticket(workspaceToken), null);
        var other = Stream.open("", server.token);
        // A client that waits for the socket to close, not for the last chunk, must see the end too.
        var raw = new java.net.Socket(server.url().getHost(), server.url().getPort());
        raw.getOutputStream().write(("GET /api/v1/events?since=0 HTTP/1.1\r\nHost: " + server.url().getAuthority()
                + "\r\nAuthorization: Bearer " + workspaceToken + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(raw.getInputStream().read()).isGreaterThanOrEqualTo(0);
        var rawClosed = new CompletableFuture<Instant>();
        Thread.ofVirtual().start(() -> {
            try (raw; InputStream in = raw.getInputStream()) {
                while (in.read() >= 0) {
                    // until the server closes the connection
                }
            } catch (Exception e) {
                // a reset closes it too
            }
            rawClosed.complete(Instant.now());
        });

        Instant asked = Instant.now();
        assertThat(server.post("/workspaces/ws-revoked/disconnect", null).status()).isEqualTo(202);
        Instant directEnd = direct.ended().get(5, TimeUnit.SECONDS);
        Instant ticketEnd = byTicket.ended().get(5, TimeUnit.SECONDS);
        assertThat(Duration.between(asked, directEnd)).isLessThan(Duration.ofSeconds(1));
        assertThat(Duration.between(asked, ticketEnd)).isLessThan(Duration.ofSeconds(1));
        assertThat(Duration.between(asked, rawClosed.get(5, TimeUnit.SECONDS))).as("the socket closed").isLessThan(Duration.ofSeconds(1));
        assertThat(server.call("GET", "/server", null, workspaceToken, null).status()).isEqualTo(401);
        assertThat(other.ended()).as("the administrator's own stream goes on").isNotDone();
        other.body().close();
    }

    /**
     * A ticket outlived the token that asked for it. Reproduction: a workspace token asks for a
     * ticket, the workspace is disconnected (the token is revoked, its streams end), and the ticket,
     * still within its 30 s, then opened {@code GET /api/v1/events?since=0} (200, the whole history)
     * and would have opened an attach. Now the ticket is refused with 401, as its token is.
     */
    @Test
    void aTicketIsRefusedOnceTheTokenThatAskedForItIsRevoked() throws Exception {
        assertThat(server.post("/users/admin/password", "{\"password\":\"Correct-Horse-Battery-7\"}").status()).isEqualTo(200);
        var started = server.post("/workspaces", "{\"id\":\"ws-ticket\",\"userName\":\"admin\","
                + "\"password\":\"Correct-Horse-Battery-7\",\"timeoutMinutes\":0}");
        assertThat(started.status()).as(started.text()).isEqualTo(201);
        String workspaceToken = started.body().get("token").asText();
        String early = ticket(workspaceToken);
        String control = ticket(workspaceToken);
        var before = server.call("GET", "/events?since=0&follow=false&ticket=" + control, null, null, null);
        assertThat(before.status()).as("a ticket of a valid token works (control)").isEqualTo(200);

        assertThat(server.post("/workspaces/ws-ticket/disconnect?wait=true", null).status()).isEqualTo(200);

        var after = server.call("GET", "/events?since=0&follow=false&ticket=" + early, null, null, null);
        assertThat(after.status()).as(after.text()).isEqualTo(401);
        assertThat(after.body().get("message").asText()).startsWith("the ticket was issued for a token that is no longer valid");
    }

    /**
     * An event stream whose client left before it started stayed registered for good. Reproduction:
     * {@code GET /api/v1/events} without {@code since} (the stream then starts after a read of the
     * last event id) from a socket closed right after the request: the close came before the
     * stream's close handler was set, so its registration under the token, its subscription and its
     * keepalive timer were never let go (and every revocation sweep read its token again). Now a
     * stream that finds its client gone at start finishes at once: none is left.
     */
    @Test
    void anEventStreamWhoseClientLeftBeforeItStartedLeavesNothingRegistered() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server.openStreams() == 0); // other tests' streams
        for (int i = 0; i < 50; i++) {
            try (var s = new java.net.Socket(server.url().getHost(), server.url().getPort())) {
                s.getOutputStream().write(("GET /api/v1/events HTTP/1.1\r\nHost: " + server.url().getAuthority()
                        + "\r\nAuthorization: Bearer " + server.token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server.openStreams() == 0);
    }

    /**
     * The same holds however the token came to be revoked: here the store marks it revoked behind
     * the server's back (as another tool sharing the database would), and the server, which looks
     * at the tokens of its open streams twice a second, ends them. The WebSocket gets a {@code closed}
     * control message with reason {@code token revoked} and close code 1008, and its connection
     * is recorded DEACTIVATED with that reason. Before, nothing ended and the token kept working.
     */
    @Test
    void aTokenRevokedInTheStoreEndsItsWebSocketsAndStreamsWithinASecond() throws Exception {
        String ivan = server.addUser("ivan", false);
        var created = server.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", ivan, null);
        long session = created.body().get("id").asLong();
        TestTerminal byToken = TestTerminal.open(server.url(), ivan, session, null);
        long connection = byToken.control("connecting").get("connectionId").asLong();
        byToken.control("attached");
        TestTerminal byTicket = TestTerminal.open(server.url(), null, session, "ticket=" + ticket(ivan));
        byTicket.control("attached");
        var stream = Stream.open("", ivan);

        Instant revoked = Instant.now();
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir.resolve("tether.db"));
             var update = db.prepareStatement("UPDATE tokens SET revoked_at = ? WHERE hash = ?")) {
            db.createStatement().execute("PRAGMA busy_timeout = 5000");
            update.setString(1, "2026-01-01T00:00:00.000000000Z");
            update.setString(2, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ivan.getBytes(StandardCharsets.UTF_8))));
            assertThat(update.executeUpdate()).isEqualTo(1);
        }

        var closed = byToken.control("closed");
        assertThat(closed.get("reason").asText()).isEqualTo("token revoked");
        assertThat(byToken.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(byToken.closeReason.get()).isEqualTo("token revoked");
        assertThat(byTicket.control("closed").get("reason").asText()).isEqualTo("token revoked");
        assertThat(byTicket.closedWith.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        Instant streamEnd = stream.ended().get(5, TimeUnit.SECONDS);
        // The server looks every half second, so a second is half a second to spare.
        assertThat(Duration.between(revoked, streamEnd)).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            var c = server.get("/connections/" + connection).body();
            assertThat(c.get("state").asText()).isEqualTo("DEACTIVATED");
            assertThat(c.toString()).contains("\"token revoked\"");
        });
        assertThat(server.call("GET", "/sessions", null, ivan, null).status()).as("and the token no longer works").isEqualTo(401);
    }
}
