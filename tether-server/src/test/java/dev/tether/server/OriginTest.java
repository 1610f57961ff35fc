package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server answers only to its own names: Host and Origin must name it (scheme, host and port),
 * on every route, so neither a page of another site nor a DNS name rebound to loopback gets in.
 */
class OriginTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    /** Behind a TLS proxy that forwards the public Host. */
    static final ServerFixture proxied = new ServerFixture(c -> c.withPublicUrl(URI.create("https://tether.example.com")));

    @AfterAll
    static void stopProxied() {
        proxied.close();
    }

    private static int port() {
        return server.url().getPort();
    }

    /** The status line and the rest of the head of a request sent by hand, with exactly the headers given. */
    static List<String> send(ServerFixture to, String requestLine, String... headers) throws Exception {
        try (var socket = new Socket(to.url().getHost(), to.url().getPort())) {
            socket.setSoTimeout(10_000);
            var out = new StringBuilder(requestLine).append("\r\n");
            for (String h : headers) {
                out.append(h).append("\r\n");
            }
            out.append(List.of(headers).contains("Upgrade: websocket") ? "Connection: Upgrade\r\n\r\n" : "Connection: close\r\n\r\n");
            socket.getOutputStream().write(out.toString().getBytes(StandardCharsets.US_ASCII));
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            var lines = new ArrayList<String>();
            int length = 0;
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                lines.add(line);
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[length]; // the error bodies are ASCII: chars are bytes
            int read = 0;
            for (int n; read < length && (n = in.read(body, read, length - read)) > 0; ) {
                read += n;
            }
            lines.add(new String(body, 0, read));
            return lines;
        }
    }

    private static List<String> attach(ServerFixture to, String host, String origin) throws Exception {
        long id = to.shell("exec sleep 60");
        var headers = new ArrayList<>(List.of("Authorization: Bearer " + to.token, "Upgrade: websocket",
                "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        if (host != null) {
            headers.add("Host: " + host);
        }
        if (origin != null) {
            headers.add("Origin: " + origin);
        }
        return send(to, "GET /api/v1/sessions/" + id + "/attach HTTP/1.1", headers.toArray(String[]::new));
    }

    /**
     * The Origin check ignored the scheme. Reproduction: an attach with
     * {@code Origin: https://127.0.0.1:PORT} and {@code Host: 127.0.0.1:PORT} was upgraded (101),
     * though the server speaks plain http: another origin, as far as the browser is concerned.
     */
    @Test
    void anOriginWithAnotherSchemeIsRefused() throws Exception {
        var r = attach(server, "127.0.0.1:" + port(), "https://127.0.0.1:" + port());
        assertThat(r.getFirst()).contains(" 403 ");
        assertThat(String.join("\n", r)).contains("ACCESS_DENIED").contains("the Origin https://127.0.0.1:" + port())
                .contains("http://127.0.0.1:" + port());
        assertThat(attach(server, "127.0.0.1:" + port(), "http://127.0.0.1:1").getFirst()).contains(" 403 ");
    }

    /**
     * The Origin was compared with the Host header, which the page controls under DNS rebinding.
     * Reproduction: {@code Host: evil.example:PORT} with {@code Origin: http://evil.example:PORT}
     * (evil.example resolving to 127.0.0.1) was upgraded (101), and {@code GET /api/v1/sessions}
     * with that Host answered 200. Now an unknown Host is refused on every route.
     */
    @Test
    void aForeignHostIsRefusedEvenWithAMatchingOrigin() throws Exception {
        var ws = attach(server, "evil.example:" + port(), "http://evil.example:" + port());
        assertThat(ws.getFirst()).contains(" 403 ");
        assertThat(String.join("\n", ws)).contains("the Host evil.example:" + port() + " is not a name of this server");
        for (String path : List.of("/api/v1/sessions", "/api/v1/openapi.json", "/api/v1/nothing", "/")) {
            var rest = send(server, "GET " + path + " HTTP/1.1", "Host: evil.example:" + port(), "Authorization: Bearer " + server.token);
            assertThat(rest.getFirst()).as(path).contains(" 403 ");
        }
        var login = send(server, "POST /api/v1/login HTTP/1.1", "Host: evil.example", "Content-Length: 0");
        assertThat(login.getFirst()).contains(" 403 ");
        assertThat(send(server, "GET /api/v1/sessions HTTP/1.1", "Host: 127.0.0.1:" + (port() + 1),
                "Authorization: Bearer " + server.token).getFirst()).as("the right name on another port").contains(" 403 ");
    }

    @Test
    void aPageOfAnotherSiteIsRefusedOnRestRoutesToo() throws Exception {
        var r = send(server, "POST /api/v1/tickets HTTP/1.1", "Host: 127.0.0.1:" + port(), "Origin: http://evil.example",
                "Authorization: Bearer " + server.token, "Content-Length: 0");
        assertThat(r.getFirst()).contains(" 403 ");
    }

    @Test
    void theLoopbackNamesOnTheRightPortAreThisServer() throws Exception {
        for (String name : List.of("127.0.0.1", "localhost", "[::1]", "LocalHost")) {
            String authority = name + ":" + port();
            assertThat(attach(server, authority, "http://" + authority).getFirst()).as(authority).contains(" 101 ");
            assertThat(attach(server, authority, null).getFirst()).as(authority + " without Origin").contains(" 101 ");
        }
    }

    /** No Host header at all got a 500 with a stack trace in the log; it is a client mistake. */
    @Test
    void aRequestWithoutHostIsABadRequest() throws Exception {
        var r = send(server, "GET /api/v1/sessions HTTP/1.1", "Authorization: Bearer " + server.token);
        assertThat(r.getFirst()).contains(" 400 ");
        assertThat(String.join("\n", r)).contains("INVALID_PARAMETER").contains("no Host header");
    }

    /** On 0.0.0.0 the server has many addresses: any IP literal names it (none can be rebound), other names do not. */
    @Test
    void onAWildcardAddressAnyIpLiteralNamesTheServerButNoOtherName() throws Exception {
        try (var wildcard = new ServerFixture(c -> c.withListen("0.0.0.0", 0))) {
            int p = wildcard.url().getPort();
            var get = "GET /api/v1/server HTTP/1.1";
            String auth = "Authorization: Bearer " + wildcard.token;
            assertThat(send(wildcard, get, "Host: 127.0.0.2:" + p, auth).getFirst()).contains(" 200 ");
            assertThat(send(wildcard, get, "Host: 127.0.0.2:" + p, auth, "Origin: http://127.0.0.2:" + p).getFirst()).contains(" 200 ");
            assertThat(send(wildcard, get, "Host: " + ServerConfig.hostName() + ":" + p, auth).getFirst()).contains(" 200 ");
            assertThat(send(wildcard, get, "Host: evil.example:" + p, auth).getFirst()).contains(" 403 ");
            assertThat(send(wildcard, get, "Host: 127.0.0.2:" + (p + 1), auth).getFirst()).contains(" 403 ");
        }
    }

    @Test
    void aPublicUrlNamesTheServerWithItsSchemeAndPort() throws Exception {
        assertThat(attach(proxied, "tether.example.com", "https://tether.example.com").getFirst()).contains(" 101 ");
        assertThat(attach(proxied, "tether.example.com:443", "https://tether.example.com:443").getFirst()).contains(" 101 ");
        assertThat(attach(proxied, "tether.example.com", "http://tether.example.com").getFirst()).as("http").contains(" 403 ");
        assertThat(attach(proxied, "tether.example.com:8443", null).getFirst()).as("another port").contains(" 403 ");
        assertThat(proxied.get("/server").status()).as("the loopback address still works").isEqualTo(200);
    }
}
