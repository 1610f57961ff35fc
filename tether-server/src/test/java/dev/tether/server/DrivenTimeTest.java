package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.core.time.ManualScheduler;
import java.io.BufferedReader;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's deadlines on a {@link ManualScheduler}: real processes, real sockets, and time that
 * moves only when the test advances it (the server's graces are 500 ms and 1500 ms, its request
 * read timeout the default 30 s). Nothing here waits for a timer; it waits only for the server to
 * act on time that has passed.
 */
class DrivenTimeTest {
    static final ManualScheduler time = new ManualScheduler();
    static final Duration HANGUP_GRACE = Duration.ofMillis(500);
    static final Duration TERM_GRACE = Duration.ofMillis(1500);

    @RegisterExtension
    static final ServerFixture server = new ServerFixture(c -> c.withScheduler(time));

    @Test
    void aCloseSendsSigtermAfterTheHangupGraceAndSigkillAfterTheTermGrace() throws Exception {
        Path log = Files.createTempFile("tether-signals", ".txt");
        long id = server.shell("trap 'echo HUP >> " + log + "' HUP; trap 'echo TERM >> " + log + "' TERM; echo ready >> " + log
                + "; while :; do sleep 0.05; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("ready"));
        var submitted = server.post("/sessions/" + id + "/close", null);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("HUP")
                && time.hasDeadlineIn(HANGUP_GRACE.plus(TERM_GRACE)));

        time.advance(HANGUP_GRACE.minusMillis(1));
        assertThat(Files.readString(log)).doesNotContain("TERM");
        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("TERM"));
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isNotEqualTo("CLOSED");

        time.advance(TERM_GRACE);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("CLOSED"));
        var closed = server.get("/sessions/" + id).body();
        assertThat(closed.get("exitCode").asInt()).isEqualTo(128 + 9);
        assertThat(closed.get("closeReason").asText()).isEqualTo("logoff by admin");
        assertThat(Files.readString(log).lines().toList()).containsExactly("ready", "HUP", "TERM");
    }

    @Test
    void aTicketExpiresAfterThirtySecondsOfAdvancedTime() {
        String first = ticket();
        String second = ticket();
        time.advance(Tickets.LIFETIME);
        assertThat(events("?since=0&follow=false&ticket=" + first).statusCode()).isEqualTo(200);
        time.advance(Duration.ofMillis(1));
        var late = events("?since=0&follow=false&ticket=" + second);
        assertThat(late.statusCode()).isEqualTo(401);
        assertThat(late.body()).contains("the ticket is unknown, used or expired");
    }

    @Test
    void anEventStreamSaysKeepaliveEveryFifteenSecondsOfAdvancedTime() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        var request = HttpRequest.newBuilder(server.url().resolve("/api/v1/events")).header("Authorization", "Bearer " + server.token).build();
        var response = server.http.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        Thread.ofVirtual().start(() -> response.body().forEach(lines::add));
        assertThat(lines.poll(20, TimeUnit.SECONDS)).startsWith(": tether events after");
        await().atMost(Duration.ofSeconds(20)).until(() -> time.hasDeadlineIn(EventStream.KEEPALIVE));
        time.advance(EventStream.KEEPALIVE.minusMillis(1));
        assertThat(lines.stream().filter(l -> l.startsWith(": keepalive")).toList()).isEmpty();
        time.advance(Duration.ofMillis(1));
        String line;
        do {
            line = lines.poll(20, TimeUnit.SECONDS);
        } while (line != null && !line.startsWith(":"));
        assertThat(line).isEqualTo(": keepalive");
        response.body().close();
    }

    /**
     * A kept-alive connection that sends no next request is closed once the read timeout has passed
     * on the scheduler's clock: between 1 and 1.25 times the timeout (the watch looks every quarter).
     */
    @Test
    void aKeptAliveConnectionThatSendsNothingMoreIsClosedAfterTheReadTimeoutOfAdvancedTime() throws Exception {
        Duration timeout = ServerConfig.Limits.DEFAULTS.requestReadTimeout();
        try (var socket = new Socket(server.url().getHost(), server.url().getPort())) {
            socket.getOutputStream().write(("GET /api/v1/openapi.json HTTP/1.1\r\nHost: " + server.url().getAuthority() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            long length = readHeaders(in);
            in.readNBytes((int) length); // answered: the connection now waits for a next request
            time.advance(timeout);
            socket.setSoTimeout(300);
            assertThat(readsToEnd(in)).as("closed after exactly the timeout: the first look after the answer starts the wait").isFalse();
            time.advance(timeout.dividedBy(4));
            socket.setSoTimeout(20_000);
            assertThat(readsToEnd(in)).as("closed by 1.25 times the timeout").isTrue();
        }
    }

    private static boolean readsToEnd(InputStream in) throws Exception {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Reads the status line and headers; returns Content-Length. */
    private static long readHeaders(InputStream in) throws Exception {
        var reader = new StringBuilder();
        while (!reader.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the server closed before answering: " + reader);
            }
            reader.append((char) b);
        }
        return new BufferedReader(new java.io.StringReader(reader.toString())).lines()
                .filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToLong(l -> Long.parseLong(l.substring(15).trim())).findFirst().orElseThrow();
    }

    private static String ticket() {
        var r = server.post("/tickets", null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.body().get("ticket").asText();
    }

    private static HttpResponse<String> events(String query) {
        try {
            return server.http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/events" + query)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
