package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.api.ErrorBody;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The transport under every sub-API: builds authenticated requests, and turns every answer that is not
 * 2xx, and every failure to get an answer, into a {@link TetherException} with a sentence a person can
 * act on. Nothing above this class sees an {@link IOException}.
 */
final class Http {
    static final String API_PREFIX = "/api/v1";

    private final HttpClient client;
    private final String base;
    private final String token;
    private final long ownSessionId;
    private final Duration timeout;

    /** A transport with no token: only {@code POST /login} answers it. */
    static Http anonymous(URI server, Duration timeout) {
        return new Http(server, null, 0, timeout, timeout);
    }

    Http(URI server, String token, long ownSessionId, Duration connectTimeout, Duration timeout) {
        String text = server.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.token = token;
        this.ownSessionId = ownSessionId;
        this.timeout = timeout;
        // HTTP/1.1 only: no h2c upgrade dance, and SSE and WebSocket behave the same through any proxy.
        var builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout);
        if ("http".equalsIgnoreCase(server.getScheme())) {
            builder.sslContext(NoTls.CONTEXT).sslParameters(NoTls.parameters());
        }
        this.client = builder.build();
    }

    /** The server's base URL as the caller gave it, without a trailing slash: {@code http://127.0.0.1:7420}. */
    String base() {
        return base;
    }

    HttpClient client() {
        return client;
    }

    URI uri(String pathAndQuery) {
        return URI.create(base + API_PREFIX + pathAndQuery);
    }

    /** Headers every call carries: the bearer token and the caller's own session, if any. */
    Map<String, String> authHeaders() {
        var headers = new LinkedHashMap<String, String>();
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (ownSessionId > 0) {
            headers.put("Tether-Session-Id", Long.toString(ownSessionId));
        }
        return headers;
    }

    <T> T get(String pathAndQuery, JavaType type) {
        return call("GET", pathAndQuery, null, type, timeout);
    }

    /** A GET whose answer is text (text/plain, an SVG image): the body as a string. */
    String text(String pathAndQuery) {
        var builder = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(timeout).header("Accept", "*/*").GET();
        authHeaders().forEach(builder::header);
        HttpResponse<byte[]> response;
        try {
            response = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw failure(e, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while waiting for Tether at " + base);
        }
        if (response.statusCode() / 100 != 2) {
            throw error(response.statusCode(), response.body());
        }
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** A POST of {@code body}: JSON as it is, one of tether-api's bodies, or null for none. */
    <T> T post(String pathAndQuery, Object body, JavaType type) {
        return call("POST", pathAndQuery, Json.tree(body), type, timeout);
    }

    <T> T patch(String pathAndQuery, Object body, JavaType type) {
        return call("PATCH", pathAndQuery, Json.tree(body), type, timeout);
    }

    <T> T delete(String pathAndQuery, JavaType type) {
        return call("DELETE", pathAndQuery, null, type, timeout);
    }

    /**
     * A POST whose body holds a secret (see {@link Json#withSecret}): the body is zeroed once the
     * answer is in, so the secret lives in this process no longer than the call.
     */
    <T> T postSecret(String pathAndQuery, byte[] body, JavaType type) {
        try {
            return send("POST", pathAndQuery, body, type, timeout);
        } finally {
            Arrays.fill(body, (byte) 0);
        }
    }

    /** The default timeout of an ordinary call. */
    Duration timeout() {
        return timeout;
    }

    /** One path segment, percent-encoded (workspace ids may hold {@code : { }}). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query parameter's value, percent-encoded. */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A call whose answer may take up to {@code waitSeconds} on the server (the {@code wait=true} forms). */
    <T> T call(String method, String pathAndQuery, JsonNode body, JavaType type, Duration callTimeout) {
        return send(method, pathAndQuery, body == null ? null : Json.write(body), type, callTimeout);
    }

    private <T> T send(String method, String pathAndQuery, byte[] body, JavaType type, Duration callTimeout) {
        HttpRequest request = request(method, pathAndQuery, body, callTimeout);
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw failure(e, callTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while waiting for Tether at " + base);
        }
        return decode(response, type, method + " " + pathAndQuery);
    }

    <T> CompletableFuture<T> callAsync(String method, String pathAndQuery, JsonNode body, JavaType type, Duration callTimeout) {
        HttpRequest request = request(method, pathAndQuery, body == null ? null : Json.write(body), callTimeout);
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, problem) -> {
                    if (problem != null) {
                        throw failure(problem, callTimeout);
                    }
                    return decode(response, type, method + " " + pathAndQuery);
                });
    }

    /** Opens a streaming GET (Server-Sent Events); the caller reads and closes the body. No answer timeout. */
    InputStream stream(String pathAndQuery, Map<String, String> extraHeaders) {
        var builder = HttpRequest.newBuilder(uri(pathAndQuery)).GET().header("Accept", "text/event-stream");
        authHeaders().forEach(builder::header);
        extraHeaders.forEach(builder::header);
        HttpResponse<InputStream> response;
        try {
            response = client.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failure(e, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while connecting to Tether at " + base);
        }
        if (response.statusCode() / 100 != 2) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                body = new byte[0];
            }
            throw error(response.statusCode(), body);
        }
        return response.body();
    }

    private HttpRequest request(String method, String pathAndQuery, byte[] body, Duration callTimeout) {
        var builder = HttpRequest.newBuilder(uri(pathAndQuery))
                .timeout(callTimeout)
                .header("Accept", "application/json");
        authHeaders().forEach(builder::header);
        if (body != null) {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return builder.build();
    }

    private <T> T decode(HttpResponse<byte[]> response, JavaType type, String what) {
        if (response.statusCode() / 100 != 2) {
            throw error(response.statusCode(), response.body());
        }
        return Json.read(response.body(), type, what);
    }

    /** An answer that is not 2xx: the error body's code and message, or failing that the HTTP status. */
    TetherException error(int status, byte[] body) {
        try {
            ErrorBody error = Json.MAPPER.readValue(body, ErrorBody.class);
            if (error != null && error.error() != null && error.message() != null) {
                return new TetherException(codeNamed(error.error(), status), error.message());
            }
        } catch (IOException | RuntimeException notAnErrorBody) {
            // Not ours (a proxy, say): fall through to the status.
        }
        return new TetherException(codeForStatus(status), "Tether at " + base + " answered HTTP " + status);
    }

    private static ResultCode codeNamed(String name, int status) {
        try {
            return ResultCode.valueOf(name);
        } catch (IllegalArgumentException newerServer) {
            return codeForStatus(status);
        }
    }

    static ResultCode codeForStatus(int status) {
        for (ResultCode code : ResultCode.values()) {
            if (code.httpStatus() == status) {
                return code;
            }
        }
        return status >= 500 ? ResultCode.INTERNAL : ResultCode.INVALID_PARAMETER;
    }

    /** No answer at all: {@code cannot reach Tether at URL: connection refused} and the like. */
    TetherException failure(Throwable problem, Duration callTimeout) {
        Throwable e = TetherException.unwrap(problem);
        if (e instanceof TetherException t) {
            return t;
        }
        if (e instanceof CancellationException) {
            return new TetherException(ResultCode.CANCELLED, "the call to Tether at " + base + " was cancelled");
        }
        if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)) {
            return new TetherException(ResultCode.TIMEOUT,
                    "Tether at " + base + " did not answer within " + callTimeout.toSeconds() + " s");
        }
        String why = reason(e);
        if (why.equals("unknown host")) {
            why += " " + URI.create(base).getHost();
        }
        return new TetherException(ResultCode.SERVER_UNREACHABLE, "cannot reach Tether at " + base + ": " + why);
    }

    /** Why a connection failed, in a few lowercase words. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "connection timed out";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            String message = t.getMessage();
            if (message != null && message.toLowerCase(Locale.ROOT).contains("connection refused")) {
                return "connection refused";
            }
            if (t instanceof ConnectException && message != null) {
                return lower(message);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return "connection lost (" + lower(t.getMessage()) + ")";
            }
        }
        return "connection lost";
    }

    private static String lower(String message) {
        return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    void close() {
        client.shutdownNow();
    }
}
