package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The REST API under {@code /api/v1}, over the JDK's HttpClient (HTTP/1.1, keep-alive). */
final class Rest {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI api;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    Rest(URI base, String token) {
        this.api = URI.create(base.toString() + "/api/v1");
        this.token = token;
    }

    JsonNode get(String path) {
        return parse(path, send(request(path).GET().build()));
    }

    /** The body of a GET as bytes, unparsed: what a latency figure should time. */
    byte[] getBytes(String path) {
        return send(request(path).GET().build());
    }

    JsonNode post(String path, Object body) {
        try {
            return parse(path, send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build()));
        } catch (IOException e) {
            throw new BenchException("cannot encode the body of POST " + path, e);
        }
    }

    /** Starts a session running {@code argv} and returns its id. */
    long createSession(List<String> argv) {
        Map<String, Object> body = argv.size() == 1 ? Map.of("command", argv.getFirst())
                : Map.of("command", argv.getFirst(), "args", argv.subList(1, argv.size()));
        return post("/sessions", body).path("id").asLong();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(300))
                .header("Authorization", "Bearer " + token);
    }

    private byte[] send(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 != 2) {
                throw new BenchException(request.method() + " " + request.uri().getPath() + " answered " + r.statusCode()
                        + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return r.body();
        } catch (IOException e) {
            throw new BenchException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during " + request.method() + " " + request.uri(), e);
        }
    }

    private static JsonNode parse(String path, byte[] body) {
        try {
            return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new BenchException("the answer to " + path + " is not JSON", e);
        }
    }

    HttpClient http() {
        return http;
    }

    URI api() {
        return api;
    }

    String token() {
        return token;
    }
}
