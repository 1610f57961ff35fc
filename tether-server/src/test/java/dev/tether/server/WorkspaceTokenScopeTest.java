package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A workspace token only attaches and acts on its own workspace's connections: it may read its
 * user's sessions (to find one to attach), attach, read and disconnect its workspace's
 * connections, read or disconnect its own workspace, follow requests and events, and get a ticket.
 * Everything else is ACCESS_DENIED naming the token's workspace.
 *
 * <p>Workspace tokens reach outside their workspace. Reproduction, with the token of workspace
 * ws-a of user w: {@code POST /sessions/close {"all":true}} answered 202 and logged off every
 * session of w; {@code POST /workspaces/ws-b/disconnect} answered 202 and disconnected workspace
 * ws-b; {@code POST /connections/ID/disconnect} let go a connection of ws-b.
 */
class WorkspaceTokenScopeTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    static String user;
    static long session;
    static long other;

    @BeforeAll
    static void setUp() {
        user = server.addUser("w", false);
        session = asUser("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}").body().get("id").asLong();
        other = asUser("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}").body().get("id").asLong();
    }

    static ServerFixture.Answer asUser(String method, String path, String json) {
        return server.call(method, path, json, user, null);
    }

    /** A workspace of w with friendly name {@code friendly}; returns its token. */
    static String workspace(String id, String friendly) {
        var r = asUser("POST", "/workspaces", "{\"id\":\"" + id + "\",\"friendlyName\":\"" + friendly
                + "\",\"userName\":\"w\",\"password\":\"pw-" + id + "\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.body().get("token").asText();
    }

    static long connect(String token, long sessionId) {
        TestTerminal t = TestTerminal.open(server.url(), token, sessionId, null);
        long id = t.control("connecting").get("connectionId").asLong();
        t.control("attached");
        return id;
    }

    static void assertRefused(ServerFixture.Answer a, String workspace) {
        assertThat(a.status()).as(a.text()).isEqualTo(403);
        assertThat(a.error()).isEqualTo("ACCESS_DENIED");
        assertThat(a.body().get("message").asText()).contains("a token of workspace " + workspace + " ");
    }

    static void assertNotFound(ServerFixture.Answer a, long connection) {
        assertThat(a.status()).as(a.text()).isEqualTo(404);
        assertThat(a.body().get("message").asText()).startsWith("no connection " + connection + " on ");
    }

    static String state(long connection) {
        return server.get("/connections/" + connection).body().get("state").asText();
    }

    @Test
    void aWorkspaceTokenAttachesAndReadsAndDisconnectsItsOwnWorkspacesConnections() {
        String a = workspace("own-a", "Own");
        long mine = connect(a, session);
        assertThat(server.call("GET", "/connections/" + mine, null, a, null).body().get("workspaceId").asText()).isEqualTo("own-a");
        assertThat(server.call("GET", "/sessions/" + session, null, a, null).status()).isEqualTo(200);
        assertThat(server.call("GET", "/server", null, a, null).status()).isEqualTo(200);
        assertThat(server.call("POST", "/tickets", null, a, null).status()).isEqualTo(200);
        var done = server.call("POST", "/connections/" + mine + "/disconnect?wait=true", null, a, null);
        assertThat(done.status()).as(done.text()).isEqualTo(200);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        long requestId = done.body().get("id").asLong();
        assertThat(server.call("GET", "/requests/" + requestId, null, a, null).status()).isEqualTo(200);
    }

    @Test
    void aWorkspaceTokenCannotReadOrDisconnectConnectionsOutsideItsWorkspace() {
        String a = workspace("conn-a", "ConnA");
        String b = workspace("conn-b", "ConnB");
        long mine = connect(a, session);
        long theirs = connect(b, session);
        long plain = connect(user, session);

        // Not found, as another user's: an ACCESS_DENIED naming the other workspace would tell the
        // token, id by id, which other workspaces its user has.
        assertNotFound(server.call("GET", "/connections/" + theirs, null, a, null), theirs);
        assertNotFound(server.call("POST", "/connections/" + theirs + "/disconnect", null, a, null), theirs);
        assertNotFound(server.call("POST", "/connections/" + plain + "/disconnect", null, a, null), plain);
        assertNotFound(server.call("GET", "/connections/" + plain, null, a, null), plain);
        assertRefused(server.call("GET", "/connections?workspaceId=conn-b", null, a, null), "conn-a");
        JsonNode listed = server.call("GET", "/connections", null, a, null).body();
        assertThat(listed.findValuesAsText("workspaceId")).containsOnly("conn-a");
        assertThat(listed.findValues("id").stream().map(JsonNode::asLong)).contains(mine).doesNotContain(theirs, plain);
        assertThat(state(theirs)).isEqualTo("ACTIVATED");
        assertThat(state(plain)).isEqualTo("ACTIVATED");
    }

    @Test
    void aWorkspaceTokenCannotStartDisconnectCloseLockOrMessageSessions() {
        String a = workspace("sess-a", "SessA");
        for (var call : new String[][] {
                {"POST", "/sessions", "{\"command\":\"/bin/true\"}"},
                {"POST", "/sessions/close", "{\"all\":true}"},
                {"POST", "/sessions/disconnect", "{\"ids\":[" + other + "]}"},
                {"POST", "/sessions/" + other + "/close", null},
                {"POST", "/sessions/" + other + "/disconnect", null},
                {"POST", "/sessions/" + other + "/lock", "{\"message\":\"x\"}"},
                {"POST", "/sessions/lock", "{\"all\":true,\"message\":\"x\"}"},
                {"POST", "/sessions/unlock", "{\"all\":true}"},
                {"POST", "/sessions/" + other + "/message", "{\"title\":\"t\",\"text\":\"x\"}"},
                {"POST", "/sessions/" + other + "/virtual-desktop/logoff", null}}) {
            assertRefused(server.call(call[0], call[1], call[2], a, null), "sess-a");
        }
        assertThat(asUser("GET", "/sessions/" + other, null).body().get("state").asText()).isEqualTo("DISCONNECTED");
        assertThat(asUser("GET", "/sessions/" + other, null).body().get("locked").asBoolean()).isFalse();
    }

    @Test
    void aWorkspaceTokenCannotReadOrDisconnectAnotherWorkspace_butMayDisconnectItsOwn() {
        String a = workspace("ws-a", "A");
        String b = workspace("ws-b", "B");
        long theirs = connect(b, session);

        assertRefused(server.call("POST", "/workspaces/ws-b/disconnect", null, a, null), "ws-a");
        assertRefused(server.call("GET", "/workspaces/ws-b", null, a, null), "ws-a");
        assertRefused(server.call("POST", "/workspaces/disconnect", "{\"friendlyName\":\"B\"}", a, null), "ws-a");
        assertThat(server.call("GET", "/workspaces", null, a, null).body().findValuesAsText("id")).containsExactly("ws-a");
        assertThat(state(theirs)).isEqualTo("ACTIVATED");
        assertThat(asUser("GET", "/workspaces/ws-b", null).status()).isEqualTo(200);

        assertThat(server.call("GET", "/workspaces/ws-a", null, a, null).status()).isEqualTo(200);
        var own = server.call("POST", "/workspaces/ws-a/disconnect?wait=true", null, a, null);
        assertThat(own.status()).as(own.text()).isEqualTo(200);
        assertThat(server.call("GET", "/workspaces/ws-a", null, a, null).status()).isEqualTo(401); // its token went with it
    }

    @Test
    void aWorkspaceTokenCannotManageCredentialsTokensOrUsers() {
        String a = workspace("cred-a", "CredA");
        for (var call : new String[][] {
                {"POST", "/workspaces", "{\"id\":\"cred-x\",\"userName\":\"w\",\"password\":\"p\"}"},
                {"GET", "/workspaces/cred-a/credential", null},
                {"DELETE", "/workspaces/cred-a/credential", null},
                {"POST", "/workspaces/cred-a/authenticated", null},
                {"POST", "/tokens", "{\"application\":\"app\"}"},
                {"POST", "/users/w/password", "{\"password\":\"new-password-1\"}"},
                {"GET", "/users", null}}) {
            assertRefused(server.call(call[0], call[1], call[2], a, null), "cred-a");
        }
        assertThat(asUser("GET", "/workspaces/cred-a/credential?countUnauthenticated=true", null).body().get("specified").asBoolean())
                .isTrue();
    }

    /** Before, an administrator's workspace token listed everyone's sessions and could add users. */
    @Test
    void anAdministratorsWorkspaceTokenCarriesNoAdministratorRights() {
        var started = server.post("/workspaces", "{\"id\":\"adm-ws\",\"userName\":\"admin\",\"password\":\"pw\"}");
        String token = started.body().get("token").asText();
        assertThat(server.call("GET", "/sessions", null, token, null).body().findValuesAsText("user")).doesNotContain("w");
        assertThat(server.call("GET", "/sessions/" + session, null, token, null).status()).isEqualTo(404);
        assertThat(server.call("GET", "/server", null, token, null).body().get("caller").get("admin").asBoolean()).isFalse();
        assertRefused(server.call("POST", "/users", "{\"name\":\"sneaky\"}", token, null), "adm-ws");
    }
}
