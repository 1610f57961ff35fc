package dev.tether.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server on a free port with a fresh data directory, and a plain HTTP client for it.
 * Register it as a static extension for one server per test class; it stops after the class.
 */
final class ServerFixture implements AutoCloseable, AfterAllCallback {
    final Path dataDir;
    final TetherServer server;
    final HttpClient http = HttpClient.newHttpClient();
    final String token;

    ServerFixture() {
        this(newDataDir());
    }

    /**
     * With {@code --shared-account-sessions} on: these tests start users' sessions, and every
     * session of a test runs as the account running the tests anyway.
     */
    ServerFixture(Path dataDir) {
        this(dataDir, /* sharedAccountSessions= */ true);
    }

    ServerFixture(Path dataDir, boolean sharedAccountSessions) {
        this(dataDir, c -> c.withSharedAccountSessions(sharedAccountSessions));
    }

    /** A server whose test configuration is changed by {@code tweak} (a public URL, say); shared-account sessions on. */
    ServerFixture(java.util.function.UnaryOperator<ServerConfig> tweak) {
        this(newDataDir(), c -> tweak.apply(c.withSharedAccountSessions(true)));
    }

    /** A server with other limits (for example a short request read timeout); shared-account sessions on. */
    ServerFixture(ServerConfig.Limits limits) {
        this(c -> c.withLimits(limits));
    }

    private ServerFixture(Path dataDir, java.util.function.UnaryOperator<ServerConfig> tweak) {
        this.dataDir = dataDir;
        this.server = TetherServer.start(tweak.apply(new ServerConfig("127.0.0.1", 0, dataDir, "test-server", 64 * 1024,
                Duration.ofMillis(500), Duration.ofMillis(1500), InstantSource.system(), 2))); // two I/O threads: tests cross event loops as production does
        this.token = server.adminToken();
    }

    /** A server whose sessions live in a keeper (started for {@code dataDir} when none runs); shared-account sessions on. */
    static ServerFixture withKeeper(Path dataDir) {
        return new ServerFixture(dataDir, c -> c.withSharedAccountSessions(true).withKeeper(dev.tether.pty.KeeperProcess.thisJvm()));
    }

    static Path newDataDir() {
        try {
            return Files.createTempDirectory("tether-test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Answer(int status, JsonNode body, String text) {
        String error() {
            return body.path("error").asText();
        }
    }

    Answer get(String path) {
        return call("GET", path, null, token, null);
    }

    Answer post(String path, String json) {
        return call("POST", path, json, token, null);
    }

    Answer call(String method, String path, String json, String bearer, Long ownSession) {
        var b = HttpRequest.newBuilder(server.url().resolve("/api/v1" + path)).timeout(Duration.ofSeconds(60));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (ownSession != null) {
            b.header("Tether-Session-Id", ownSession.toString());
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body().isEmpty() || !r.headers().firstValue("Content-Type").orElse("").contains("json")
                    ? Json.MAPPER.missingNode() : Json.MAPPER.readTree(r.body());
            return new Answer(r.statusCode(), body, r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    /** Starts {@code sh -c script} and returns the session id. */
    long shell(String script) {
        Answer a = post("/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\"," + Json.write(script) + "]}");
        if (a.status() != 201) {
            throw new IllegalStateException("could not start a session: " + a.text());
        }
        return a.body().get("id").asLong();
    }

    /** A new user's token. */
    String addUser(String name, boolean admin) {
        Answer r = post("/users", "{\"name\":\"" + name + "\",\"admin\":" + admin + "}");
        if (r.status() != 201) {
            throw new IllegalStateException(r.text());
        }
        return r.body().get("token").asText();
    }

    /** The stored events after {@code since}, read from the SSE stream with follow=false. */
    java.util.List<JsonNode> events(long since) {
        return eventsAs(token, since);
    }

    /** The stored events after {@code since} that the holder of {@code bearer} may see. */
    java.util.List<JsonNode> eventsAs(String bearer, long since) {
        var events = new java.util.ArrayList<JsonNode>();
        for (String line : call("GET", "/events?follow=false&since=" + since, null, bearer, null).text().split("\n")) {
            if (line.startsWith("data: ")) {
                try {
                    events.add(Json.MAPPER.readTree(line.substring(6)));
                } catch (IOException e) {
                    throw new IllegalStateException(line, e);
                }
            }
        }
        return events;
    }

    static java.util.List<String> types(java.util.List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    long lastEventId() {
        var events = events(0);
        return events.isEmpty() ? 0 : events.getLast().get("id").asLong();
    }

    TestTerminal attach(long sessionId) {
        return TestTerminal.open(server.url(), token, sessionId, null);
    }

    URI url() {
        return server.url();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        server.close();
        delete(dataDir);
    }

    static void delete(Path dataDir) {
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
