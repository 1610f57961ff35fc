package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.api.ControlMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * "The OpenAPI file describes the control messages and every event type as schemas", checked on
 * real traffic: a server runs a scenario that makes most event types and every server-to-client
 * control message happen (two clients on one session, a resize, a bad frame, a lock, a message and
 * its ack, a disconnect, a program that exits, a client that leaves, a workspace, users, a restart),
 * and every event it recorded, every frame the clients got and every frame they sent conforms to
 * its schema in the served document ({@link WireSchemas#check}: types, required fields, no field the
 * schema does not name, const, enum, bounds).
 */
class WireTrafficMatchesTheSchemasTest {
    private static final String PASSWORD = "Correct-Horse-Battery-7";

    @Test
    void everyEventAndEveryControlFrameOfARealServerConformsToItsSchemaInTheServedDocument() throws Exception {
        Path dir = ServerFixture.newDataDir();
        var toClient = new ArrayList<JsonNode>();
        var toServer = new ArrayList<String>();
        JsonNode doc;
        try (var server = new ServerFixture(dir)) {
            doc = server.get("/openapi.json").body();
            assertThat(server.post("/users/admin/password", "{\"password\":\"" + PASSWORD + "\"}").status()).isEqualTo(200);
            assertThat(server.call("POST", "/login", "{\"user\":\"admin\",\"password\":\"" + PASSWORD + "\"}", null, null).status())
                    .isEqualTo(200);
            server.addUser("carol", false);

            // Two clients on a session whose program exits 3 when it reads a line.
            long id = server.shell("read line; exit 3");
            TestTerminal plain = server.attach(id); // no client name: ClientAttached.client is null
            plain.control("attached");
            TestTerminal named = TestTerminal.open(server.url(), server.token, id, "client=laptop&cols=100&rows=30");
            long namedConnection = named.control("connecting").get("connectionId").asLong();
            named.control("attached");
            send(named, "{\"type\":\"resize\",\"cols\":90,\"rows\":25}", toServer);
            await().atMost(Duration.ofSeconds(10)).until(() -> plain.received.stream()
                    .anyMatch(m -> m.path("type").asText().equals("resize") && m.path("cols").asInt() == 90));
            send(plain, "{\"type\":\"bogus\"}", toServer);
            plain.control("error");
            assertThat(server.post("/sessions/" + id + "/lock?wait=true", "{\"message\":\"back soon\"}").status()).isEqualTo(200);
            plain.control("lock");
            assertThat(server.post("/sessions/" + id + "/unlock?wait=true", "{}").status()).isEqualTo(200);
            plain.control("unlock");
            server.post("/sessions/" + id + "/message", "{\"title\":\"Maintenance\",\"text\":\"Reboot at 5\",\"timeoutSeconds\":20}");
            long messageId = plain.control("message").get("messageId").asLong();
            send(plain, "{\"type\":\"ack\",\"messageId\":" + messageId + "}", toServer);
            assertThat(server.post("/connections/" + namedConnection + "/disconnect?wait=true", null).body().path("result").asText())
                    .isEqualTo("OK");
            named.control("closed");
            plain.type("bye\r");
            assertThat(plain.control("closed").path("exitCode").asInt()).isEqualTo(3);

            // A client that leaves on its own, then the session is closed.
            long other = server.shell("exec sleep 60");
            TestTerminal leaving = server.attach(other);
            leaving.control("attached");
            leaving.leave();
            await().atMost(Duration.ofSeconds(10)).until(() -> ServerFixture.types(server.events(0)).contains("ConnectStateChange"));
            server.post("/sessions/" + other + "/close?wait=true", null);

            // A workspace with a connection of its own.
            var started = server.post("/workspaces", "{\"id\":\"ws-wire\",\"userName\":\"admin\",\"password\":\"" + PASSWORD + "\"}");
            assertThat(started.status()).as(started.text()).isEqualTo(201);
            long third = server.shell("exec sleep 60");
            TestTerminal inWorkspace = TestTerminal.open(server.url(), started.body().path("token").asText(), third, null);
            inWorkspace.control("attached");
            server.post("/workspaces/ws-wire/authenticated", null);
            assertThat(server.post("/workspaces/ws-wire/disconnect?wait=true", null).body().path("result").asText()).isEqualTo("OK");
            assertThat(inWorkspace.closedWith.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            server.post("/workspaces", "{\"id\":\"ws-wire\",\"userName\":\"admin\",\"password\":\"" + PASSWORD + "\"}");
            server.call("DELETE", "/workspaces/ws-wire/credential", null, server.token, null);

            // A resume from an offset the ring (64 KiB here) no longer holds: "screen".
            long wrapped = server.shell("seq 1 30000; exec sleep 60");
            TestTerminal watcher = server.attach(wrapped);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + wrapped + "/screen").text().contains("30000"));
            TestTerminal late = TestTerminal.open(server.url(), server.token, wrapped, "offset=0");
            late.control("screen");
            // A raw client of a session locked while its output outgrows the ring: "lost" at the unlock.
            Path go = Files.createTempFile("tether-wire", ".go");
            Files.delete(go);
            long held = server.shell("while [ ! -e " + go + " ]; do sleep 0.05; done; seq 1 30000; exec sleep 60");
            TestTerminal raw = TestTerminal.open(server.url(), server.token, held, "replay=raw");
            raw.control("attached");
            server.post("/sessions/" + held + "/lock?wait=true", "{\"message\":\"held\"}");
            Files.createFile(go);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + held + "/screen").text().contains("30000"));
            server.post("/sessions/" + held + "/unlock?wait=true", "{}");
            raw.control("lost");
            Files.delete(go);

            for (TestTerminal t : List.of(plain, named, leaving, inWorkspace, watcher, late, raw)) {
                toClient.addAll(t.received);
            }
            server.server.close(); // ServerStopped, and the next start's ServerStarted
            try (var again = new ServerFixture(dir)) {
                List<JsonNode> events = again.events(0);
                var schemas = new WireSchemas(doc);
                var problems = new ArrayList<String>();
                events.forEach(e -> problems.addAll(schemas.check(e, "Event")));
                toClient.forEach(m -> problems.addAll(schemas.check(m, "ControlToClient")));
                for (String frame : toServer) {
                    if (!frame.contains("bogus")) {
                        problems.addAll(schemas.check(Json.MAPPER.readTree(frame), "ControlToServer"));
                    }
                }
                assertThat(problems).withFailMessage("traffic that does not match openapi.yaml:%n%s", String.join("\n", problems))
                        .isEmpty();

                assertThat(new TreeSet<>(ServerFixture.types(events))).as("the event types the scenario made happen").contains(
                        "ServerStarted", "ServerStopped", "SessionCreated", "SessionStateChanged", "SessionClosed", "SessionLocked",
                        "SessionUnlocked", "SessionMessageSent", "ClientAttached", "ClientDetached", "ConnectComplete",
                        "DisconnectComplete", "ConnectStateChange", "RequestCompleted", "WorkspaceStarted", "WorkspaceAuthenticated",
                        "WorkspaceCredentialCleared", "WorkspaceDisconnected", "UserCreated", "UserPasswordSet", "UserLoggedIn");
                Set<String> frameTypes = new TreeSet<>(toClient.stream().map(m -> m.path("type").asText()).toList());
                assertThat(frameTypes).as("every message the server can send was sent")
                        .containsExactlyInAnyOrderElementsOf(WireSchemas.subtypes(ControlMessage.ToClient.class).keySet());

                // Control case: the checker finds a field too many, one missing, and one of the wrong type.
                JsonNode attached = events.stream().filter(e -> e.path("type").asText().equals("ClientAttached")).findFirst().orElseThrow();
                ObjectNode extra = attached.deepCopy();
                ((ObjectNode) extra.get("data")).put("password", "x");
                assertThat(schemas.check(extra, "Event")).anyMatch(p -> p.contains("the field password is not in the schema"));
                ObjectNode missing = attached.deepCopy();
                ((ObjectNode) missing.get("data")).remove("clients");
                assertThat(schemas.check(missing, "Event")).anyMatch(p -> p.contains("the required field clients is missing"));
                JsonNode frame = toClient.stream().filter(m -> m.path("type").asText().equals("attached")).findFirst().orElseThrow();
                ObjectNode wrongType = frame.deepCopy();
                wrongType.put("cols", "80");
                assertThat(schemas.check(wrongType, "ControlToClient")).anyMatch(p -> p.contains("ControlAttached).cols"));
            }
        }
    }

    private static void send(TestTerminal t, String frame, List<String> sent) {
        sent.add(frame);
        t.sendControl(frame);
    }
}
