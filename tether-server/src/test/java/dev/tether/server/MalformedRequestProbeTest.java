package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input gets a clean answer, never a 500 (issue 8, §3): a corpus of malformed requests to every
 * route, over the JDK client and over a raw socket, answers 4xx, names no internals, and writes no
 * ERROR line to the server's log; neither does a client that hangs up.
 */
class MalformedRequestProbeTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    LogCapture log;
    /** What an answer must not show a user: class names, packages, stack frames. */
    static final Pattern INTERNALS = Pattern.compile("dev\\.tether|java\\.|javax\\.|com\\.fasterxml|io\\.vertx|io\\.netty"
            + "|Exception|\\bat [a-z]+\\.|`|Cannot construct|problem:");
    static final String NO_SUCH = "4294967295";

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    /** Every route as a concrete path, ids filled in with ones that name nothing. */
    static List<String[]> routes() {
        return server.server.routes().stream().map(r -> r.split(" ", 2)).map(r -> new String[] {r[0], r[1]
                .replace(":id", NO_SUCH).replace(":wid", "no-such-workspace").replace(":name", "nobody")
                .replace(":method", "send-message")}).toList();
    }

    static final List<String> FIELDS = List.of("command", "args", "env", "cols", "rows", "ids", "all", "whatIf", "message",
            "password", "title", "text", "timeoutSeconds", "wait", "application", "id", "friendlyName", "userName",
            "timeoutMinutes", "flags", "name", "admin", "user");
    static final String DIGITS = "9".repeat(1_200);

    static List<String> bodies() {
        var bodies = new ArrayList<>(List.of("null", "[\" \"]", "[\"\\u0000\"]", "{\"ids\":[null]}", "\"\\ud800\"", DIGITS,
                "-" + DIGITS + ".5e-" + DIGITS, "[".repeat(20_000) + "]".repeat(20_000), "{\"a\":".repeat(5_000) + "1"
                        + "}".repeat(5_000), "{\"ids\":[" + DIGITS + "]}", "{\"cols\":1e999999}", "{\"ids\":[1e400]}",
                "{\"env\":{\"\\ud800\":\"x\"}}", "{\"env\":{\"A\\u0000\":\"x\"}}", "{\"env\":{\"\":\"x\"}}", "{\"args\":[\"\\udfff\"]}",
                "{\"command\":\"/bin/true\",\"args\":[\"\\u0000\"]}", "{\"flags\":null}", "{\"flags\":{\"x\":" + DIGITS + "}}",
                "{\"ids\":[1,null]}", "{\"env\":{\"A\":null}}", "{}", "", "{\"ids\":[]}", "{\"ids\":\"\"}", "true", "0", "\"\"",
                "{\"\\u0000\":1}", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"ids\":[1]}garbage", "\uFEFF{}", "{\"ids\":[0x10]}",
                "{\"title\":\"" + "\\ud83d".repeat(100) + "\"}"));
        for (String field : FIELDS) {
            for (String value : List.of("\"\\ud800\"", "\"a\\udc00b\"", DIGITS, "-" + DIGITS, "1e400", "\"\\u0000\"",
                    "[\"\\ud800\"]", "null", "[null]", "{\"a\":null}")) {
                bodies.add("{\"" + field + "\":" + value + "}");
            }
        }
        return bodies;
    }

    /**
     * Reproduction: 121 of 4,231 malformed requests got 500 ({@code null} on every POST route, deep
     * nesting, 1,000-digit numbers, {@code "\ud800"}, {@code {"ids":[null]}}, {@code [" "]}, ...), three
     * answers named internal classes ("Cannot construct instance of dev.tether.core.NewSession"), and the
     * log got ERROR entries with stack traces for each.
     */
    @Test
    void noMalformedBodyOnAnyRouteGetsAServerErrorNamesInternalsOrLogsAnError() throws Exception {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<String> wrong = new ArrayList<>();
        int sent = 0;
        for (String[] route : routes()) {
            if (route[1].endsWith("/attach") || route[1].endsWith("/events")) {
                continue; // streams, probed below with bad queries
            }
            boolean takesBody = route[0].equals("POST") || route[0].equals("DELETE");
            for (String body : takesBody ? bodies() : List.of("")) {
                var request = HttpRequest.newBuilder(server.url().resolve(route[1])).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + server.token).header("Content-Type", "application/json")
                        .method(route[0], body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                        .build();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                sent++;
                if (r.statusCode() >= 500 || r.statusCode() >= 400 && INTERNALS.matcher(r.body()).find()) {
                    wrong.add(route[0] + " " + route[1] + " " + abbreviate(body) + " -> " + r.statusCode() + " " + r.body());
                }
            }
        }
        // the one route without a token, with every body too
        for (String body : bodies()) {
            var r = server.call("POST", "/login", body, null, null);
            sent++;
            if (r.status() >= 500 || r.status() >= 400 && INTERNALS.matcher(r.text()).find()) {
                wrong.add("POST /login " + abbreviate(body) + " -> " + r.status() + " " + r.text());
            }
        }
        report("bodies", sent, wrong);
        assertThat(sent).isGreaterThan(3_000);
        assertThat(wrong).as("of " + sent + " requests").isEmpty();
        assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
    }

    /**
     * Reproduction over a raw socket: {@code ?%zz=1}, no Host header and an obs-folded header line got
     * 500 with an ERROR entry each.
     */
    @Test
    void malformedRequestLinesAndHeadersGetAClientErrorAndLogNoError() {
        String auth = "Authorization: Bearer " + server.token + "\r\n";
        String host = "Host: " + server.url().getAuthority() + "\r\n";
        List<String> requests = new ArrayList<>();
        // RFC 9112 §5.2 lets a server replace an obs-fold with spaces (Netty does): these may succeed, never fail with 5xx.
        List<String> folded = new ArrayList<>();
        for (String[] route : routes()) {
            requests.add(route[0] + " " + route[1] + "?%zz=1 HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n");
            requests.add(route[0] + " " + route[1] + "?a=%E0%A4%A HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n");
            requests.add(route[0] + " " + route[1] + " HTTP/1.1\r\n" + auth + "Connection: close\r\n\r\n");
            folded.add(route[0] + " " + route[1] + " HTTP/1.1\r\n" + host + auth + "X-Folded: a\r\n b\r\nConnection: close\r\n\r\n");
        }
        folded.add("GET /api/v1/server HTTP/1.1\r\nHost:\r\n " + server.url().getAuthority() + "\r\n" + auth + "Connection: close\r\n\r\n");
        folded.add("GET /api/v1/server HTTP/1.1\r\n" + host + "Authorization:\r\n Bearer " + server.token + "\r\nConnection: close\r\n\r\n");
        folded.add("POST /api/v1/login HTTP/1.1\r\n" + host + "Content-Length:\r\n 4\r\nConnection: close\r\n\r\nnull");
        requests.addAll(List.of(
                "POST /api/v1/login HTTP/1.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnull",
                "POST /api/v1/login?%zz=1 HTTP/1.1\r\n" + host + "Connection: close\r\nContent-Length: 2\r\n\r\n{}",
                "GET /api/v1/server HTTP/1.1\r\nHost: \r\n" + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/server HTTP/1.1\r\n" + host + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/sessions/%00 HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/%zz HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/sessions/%F0%9F HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/server HTTP/1.1\r\n" + host + "Authorization: Bearer \r\nConnection: close\r\n\r\n",
                "GET /api/v1/server HTTP/1.1\r\n" + host + "Authorization: Bearer " + "x".repeat(5000) + "\r\nConnection: close\r\n\r\n",
                "GET /api/v1/server HTTP/1.1\r\n" + host + auth + "Tether-Session-Id: " + DIGITS + "\r\nConnection: close\r\n\r\n",
                "POST /api/v1/sessions HTTP/1.1\r\n" + host + auth + "Content-Length: abc\r\nConnection: close\r\n\r\n{}",
                "POST /api/v1/sessions HTTP/1.1\r\n" + host + auth + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                "POST /api/v1/sessions HTTP/1.1\r\n" + host + auth + "Content-Length: 4\r\nConnection: close\r\n\r\n\u00ff\u00fe{}",
                "GET /api/v1/requests/1?wait=true&timeout=" + DIGITS + " HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/events?since=" + DIGITS + " HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GET /api/v1/events?since=%zz HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                "GARBAGE\r\n\r\n",
                "GET /api/v1/server HTTP/1.1\r\nNo colon here\r\n" + host + "Connection: close\r\n\r\n"));
        List<String> wrong = new ArrayList<>();
        for (String request : requests) {
            var r = RawHttp.send(server.url(), request);
            if (r.status() < 400 || r.status() >= 500 || INTERNALS.matcher(r.body()).find()) {
                wrong.add(abbreviate(request.replace("\r\n", "\\r\\n")) + " -> " + r.status() + " " + abbreviate(r.head() + " " + r.body()));
            }
        }
        for (String request : folded) {
            var r = RawHttp.send(server.url(), request);
            if (r.status() < 200 || r.status() >= 500 || r.status() >= 400 && INTERNALS.matcher(r.body()).find()) {
                wrong.add(abbreviate(request.replace("\r\n", "\\r\\n")) + " -> " + r.status() + " " + abbreviate(r.head() + " " + r.body()));
            }
        }
        report("raw", requests.size() + folded.size(), wrong);
        assertThat(wrong).as("of " + (requests.size() + folded.size()) + " raw requests").isEmpty();
        assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
    }

    /**
     * Reproduction: 310 ERROR entries (HttpClosedException with its stack) for clients that simply hung
     * up: mid-body, before a slow answer, or resetting the connection during a stream.
     */
    @Test
    void aClientThatHangsUpLogsNoError() throws Exception {
        long id = server.shell("exec sleep 600");
        var terminal = server.attach(id);
        terminal.control("attached");
        String head = "Host: " + server.url().getAuthority() + "\r\nAuthorization: Bearer " + server.token + "\r\n";
        String message = "{\"title\":\"t\",\"text\":\"hello\",\"wait\":true,\"timeoutSeconds\":1}";
        for (int i = 0; i < 5; i++) {
            hangUp("POST /api/v1/sessions HTTP/1.1\r\n" + head + "Content-Length: 1000\r\n\r\n{\"command\":", false, NOTHING_COMES_BACK);
            hangUp("POST /api/v1/login HTTP/1.1\r\n" + head + "Content-Length: 1000\r\n\r\n{\"user\":", true, NOTHING_COMES_BACK);
            hangUp("POST /api/v1/sessions/" + id + "/message HTTP/1.1\r\n" + head + "Content-Length: " + message.length()
                    + "\r\n\r\n" + message, i % 2 == 0,
                    socket -> terminal.control("message")); // shown: its answer now waits for the 1 s timeout
            hangUp("GET /api/v1/events?since=0 HTTP/1.1\r\n" + head + "\r\n", true, ANSWER_STARTED);
            hangUp("GET /api/v1/openapi.json HTTP/1.1\r\n" + head + "\r\n", true, ANSWER_STARTED);
        }
        // The message answers (timeout 1 s) go to sockets that are gone. One more message, sent after them
        // with the same timeout, times out after them: once its answer is here, theirs have been written.
        var last = server.post("/sessions/" + id + "/message", "{\"title\":\"t\",\"text\":\"last\",\"wait\":true,\"timeoutSeconds\":1}");
        assertThat(last.status()).isEqualTo(200);
        assertThat(last.body().path("response").asText()).as("the answer after the timeout").isEqualTo("TIMEOUT");
        // and no ERROR line follows from writing them (each on its own event loop)
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty());
        report("hang-ups", 25, List.of());
        assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
        assertThat(server.get("/server").status()).isEqualTo(200);
        terminal.leave();
    }

    /** What shows that the server has read a request sent over {@code socket}. */
    interface Read {
        void waitFor(Socket socket) throws Exception;
    }

    /** The answer has begun to come back. */
    static final Read ANSWER_STARTED = socket -> await().atMost(Duration.ofSeconds(10))
            .until(() -> socket.getInputStream().available() > 0);

    /**
     * A request cut off mid-body gets no answer, so nothing shows it was read; none is needed either:
     * the bytes reach the server ahead of the FIN or RST that follows them, and are read before it.
     */
    static final Read NOTHING_COMES_BACK = socket -> {
    };

    /** Sends a request and goes away: a FIN, or with {@code reset} an RST, once {@code read} shows the server has read it. */
    private static void hangUp(String request, boolean reset, Read read) throws Exception {
        try (var socket = new Socket(server.url().getHost(), server.url().getPort())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            read.waitFor(socket);
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    /** One line to compare runs by: requests sent, 5xx, other wrong answers, ERROR lines logged. */
    private void report(String probe, int sent, List<String> wrong) {
        long fives = wrong.stream().filter(w -> w.matches("(?s).* -> 5\\d\\d .*")).count();
        System.out.printf("PROBE %s: sent %d, 5xx %d, other wrong %d, ERROR lines %d%n", probe, sent, fives, wrong.size() - fives,
                log.errors().size());
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }
}
