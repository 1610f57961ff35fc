package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** IWorkspaceScriptable's statements through the REST API, with the real credential store (Tink, SQLite). */
class WorkspaceScriptableApiTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    static final String PASSWORD = "Correct-Horse-Battery-7";

    @BeforeAll
    static void password() {
        var set = server.post("/users/admin/password", "{\"password\":\"" + PASSWORD + "\"}");
        assertThat(set.status()).isEqualTo(200);
    }

    static JsonNode start(String id, String friendly, String password, int timeout, boolean clearOnLast, boolean authenticated) {
        var r = server.post("/workspaces", "{\"id\":\"" + id + "\",\"friendlyName\":\"" + friendly + "\",\"userName\":\"admin\","
                + "\"password\":\"" + password + "\",\"timeoutMinutes\":" + timeout + ",\"flags\":{\"clearCredsOnLastResource\":"
                + clearOnLast + ",\"credsAuthenticated\":" + authenticated + "}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.body();
    }

    static long connect(TestTerminal t) {
        long id = t.control("connecting").get("connectionId").asLong();
        t.control("attached");
        return id;
    }

    @Test
    void startWorkspace_storesTheCredentialsTiedToTheId_andIssuesAWorkspaceToken_neverReturningTheSecret() {
        JsonNode started = start("ws-start", "Start", PASSWORD, 0, false, false);
        assertThat(started.get("token").asText()).startsWith("tth_");
        assertThat(started.get("workspace").get("credentialState").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(started.toString()).doesNotContain(PASSWORD);
        assertThat(server.get("/workspaces/ws-start").text()).doesNotContain(PASSWORD);
        assertThat(server.events(0).toString()).doesNotContain(PASSWORD);
    }

    @Test
    void isWorkspaceCredentialSpecified_countsUnauthenticatedOnesOnlyWhenAsked_andOnAuthenticatedMarksThemAuthenticated() {
        start("ws-auth", "Auth", PASSWORD, 30, false, false);
        assertThat(server.get("/workspaces/ws-auth/credential?countUnauthenticated=true").body().get("specified").asBoolean()).isTrue();
        assertThat(server.get("/workspaces/ws-auth/credential?countUnauthenticated=false").body().get("specified").asBoolean()).isFalse();
        JsonNode authenticated = server.post("/workspaces/ws-auth/authenticated", null).body();
        assertThat(authenticated.get("credentialState").asText()).isEqualTo("AUTHENTICATED");
        assertThat(authenticated.get("expiresAt").isNull()).isFalse();
        assertThat(server.get("/workspaces/ws-auth/credential?countUnauthenticated=false").body().get("specified").asBoolean()).isTrue();
    }

    @Test
    void onAuthenticated_refusesCredentialsThatDoNotMatchTheAccount() {
        start("ws-wrong", "Wrong", "not-the-password", 0, false, false);
        var refused = server.post("/workspaces/ws-wrong/authenticated", null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().get("message").asText()).contains("do not match the password of the account admin");
    }

    @Test
    void disconnectWorkspace_disconnectsAllConnectionsOfTheWorkspaceAndNoOther_theSessionsKeepRunning() throws Exception {
        long since = server.lastEventId();
        String token = start("ws-all", "All", PASSWORD, 0, false, true).get("token").asText();
        long session = server.shell("exec sleep 60");
        TestTerminal in1 = TestTerminal.open(server.url(), token, session, null);
        TestTerminal in2 = TestTerminal.open(server.url(), token, session, null);
        TestTerminal outside = server.attach(session);
        long c1 = connect(in1);
        long c2 = connect(in2);
        long c3 = connect(outside);
        assertThat(server.get("/connections/" + c1).body().get("workspaceId").asText()).isEqualTo("ws-all");
        var done = server.post("/workspaces/ws-all/disconnect?wait=true", null);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        long requestId = done.body().get("id").asLong();
        assertThat(in1.closedWith.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(in2.closedWith.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(server.get("/connections/" + c3).body().get("state").asText()).isEqualTo("ACTIVATED");
        assertThat(outside.closedWith).isNotDone();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.events(since).stream().filter(e ->
                e.get("type").asText().equals("DisconnectComplete") && e.get("data").get("requestId").asLong() == requestId).count() == 2);
        assertThat(ServerFixture.types(server.events(since))).contains("WorkspaceDisconnected");
        assertThat(server.get("/sessions/" + session).body().get("state").asText()).isEqualTo("ACTIVE");
        assertThat(server.call("GET", "/sessions", null, token, null).status()).isEqualTo(401); // the workspace token is revoked
        assertThat(server.get("/connections/" + c2).body().get("state").asText()).isEqualTo("DEACTIVATED");
    }

    @Test
    void disconnectWorkspace_deletesItsCredentialEntries_andTheirBytesAreGoneFromTheDatabaseFiles() throws Exception {
        start("ws-gone", "Gone", PASSWORD, 0, false, true);
        byte[] sealed = sealedBytes("ws-gone");
        assertThat(sealed).hasSizeGreaterThan(16);
        assertThat(containsInDatabaseFiles(sealed)).as("the sealed secret is stored before the disconnect").isTrue();
        assertThat(containsInDatabaseFiles(PASSWORD.getBytes(StandardCharsets.UTF_8))).as("the password is never stored in clear").isFalse();
        server.post("/workspaces/ws-gone/disconnect?wait=true", null);
        assertThat(server.get("/workspaces/ws-gone").status()).isEqualTo(404);
        assertThat(containsInDatabaseFiles(sealed)).as("no byte sequence of the sealed secret remains").isFalse();
    }

    @Test
    void disconnectWorkspaceByFriendlyName_disconnectsIt_andAnAmbiguousNameIsAConflict() {
        String token = start("ws-named", "Named", PASSWORD, 0, false, true).get("token").asText();
        long session = server.shell("exec sleep 60");
        TestTerminal t = TestTerminal.open(server.url(), token, session, null);
        long c = connect(t);
        var done = server.post("/workspaces/disconnect?wait=true", "{\"friendlyName\":\"Named\"}");
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        assertThat(server.get("/connections/" + c).body().get("state").asText()).isIn("DEACTIVATING", "DEACTIVATED");
        start("twin-a", "Twin", PASSWORD, 0, false, true);
        start("twin-b", "Twin", PASSWORD, 0, false, true);
        var conflict = server.post("/workspaces/disconnect", "{\"friendlyName\":\"Twin\"}");
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.error()).isEqualTo("CONFLICT");
        assertThat(conflict.body().get("message").asText()).contains("ambiguous");
    }

    @Test
    void clearWorkspaceCredential_removesTheWorkspaceOnlyWhenItHasNoActiveConnection() {
        String token = start("ws-busy", "Busy", PASSWORD, 0, false, true).get("token").asText();
        long session = server.shell("exec sleep 60");
        connect(TestTerminal.open(server.url(), token, session, null));
        JsonNode busy = server.call("DELETE", "/workspaces/ws-busy/credential", null, server.token, null).body();
        assertThat(busy.get("workspaceRemoved").asBoolean()).isFalse();
        assertThat(server.get("/workspaces/ws-busy").body().get("credentialState").asText()).isEqualTo("NONE");
        start("ws-idle", "Idle", PASSWORD, 0, false, true);
        JsonNode idle = server.call("DELETE", "/workspaces/ws-idle/credential", null, server.token, null).body();
        assertThat(idle.get("workspaceRemoved").asBoolean()).isTrue();
        assertThat(server.get("/workspaces/ws-idle").status()).isEqualTo(404);
    }

    @Test
    void startWorkspace_clearCredsOnLastResource_deletesTheCredentialsWhenTheLastConnectionEnds() {
        String token = start("ws-last", "Last", PASSWORD, 0, true, true).get("token").asText();
        long session = server.shell("exec sleep 60");
        TestTerminal t = TestTerminal.open(server.url(), token, session, null);
        connect(t);
        assertThat(server.get("/workspaces/ws-last/credential?countUnauthenticated=true").body().get("specified").asBoolean()).isTrue();
        t.leave();
        await().atMost(Duration.ofSeconds(5)).until(() ->
                !server.get("/workspaces/ws-last/credential?countUnauthenticated=true").body().get("specified").asBoolean());
    }

    private static byte[] sealedBytes(String workspaceId) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir.resolve("tether.db"));
             var q = c.prepareStatement("SELECT sealed FROM credentials WHERE workspace_id = ?")) {
            q.setString(1, workspaceId);
            try (var r = q.executeQuery()) {
                assertThat(r.next()).as("a credentials row for " + workspaceId).isTrue();
                return r.getBytes(1);
            }
        }
    }

    private static boolean containsInDatabaseFiles(byte[] needle) throws Exception {
        for (String name : new String[] {"tether.db", "tether.db-wal"}) {
            Path file = server.dataDir.resolve(name);
            if (Files.exists(file) && indexOf(Files.readAllBytes(file), needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
