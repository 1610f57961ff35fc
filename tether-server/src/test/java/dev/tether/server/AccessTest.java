package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may do what: tokens, users, and sessions that belong to someone. */
class AccessTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void theAdministratorsTokenIsWrittenOnlyForItsOwner() throws Exception {
        var file = server.dataDir.resolve("admin.token");
        assertThat(Files.readString(file).trim()).isEqualTo(server.token);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void everyCallNeedsAKnownBearerToken() {
        var none = server.call("GET", "/sessions", null, null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).isEqualTo("UNAUTHENTICATED");
        var wrong = server.call("GET", "/sessions", null, "tth_not-a-token", null);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.body().get("message").asText()).contains("not known");
    }

    @Test
    void aUserCannotSeeOrTouchAnotherUsersSession() {
        String bob = server.addUser("bob", false);
        long adminSession = server.shell("exec sleep 60");
        var get = server.call("GET", "/sessions/" + adminSession, null, bob, null);
        assertThat(get.status()).isEqualTo(404);
        assertThat(get.body().get("message").asText()).isEqualTo("no session " + adminSession + " on test-server");
        assertThat(server.call("GET", "/sessions", null, bob, null).body().findValuesAsText("id"))
                .doesNotContain(Long.toString(adminSession));
        assertThat(server.call("POST", "/sessions/" + adminSession + "/disconnect", null, bob, null).status()).isEqualTo(404);
        var all = server.call("POST", "/sessions/disconnect?wait=true", "{\"all\":true}", bob, null);
        assertThat(all.body().get("targets").findValuesAsText("id")).doesNotContain(Long.toString(adminSession));
    }

    @Test
    void closeWmsSession_onlyAdminsCloseAdminsSessions() {
        String carol = server.addUser("carol", false);
        long adminSession = server.shell("exec sleep 60");
        var refused = server.call("POST", "/sessions/" + adminSession + "/close", null, carol, null);
        assertThat(refused.status()).isEqualTo(404);
        assertThat(server.get("/sessions/" + adminSession).body().get("state").asText()).isEqualTo("DISCONNECTED");
        String root = server.addUser("root2", true);
        var closed = server.call("POST", "/sessions/" + adminSession + "/close?wait=true", null, root, null);
        assertThat(closed.body().get("result").asText()).isEqualTo("OK");
    }

    @Test
    void aUserManagesItsOwnSessions() {
        String dave = server.addUser("dave", false);
        var created = server.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", dave, null);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().get("user").asText()).isEqualTo("dave");
        long id = created.body().get("id").asLong();
        var closed = server.call("POST", "/sessions/" + id + "/close?wait=true", null, dave, null);
        assertThat(closed.body().get("result").asText()).isEqualTo("OK");
        assertThat(closed.body().get("targets").get(0).get("message").asText()).contains("logoff by dave");
    }

    @Test
    void onlyAdministratorsAddOrListUsersAndNamesAreUnique() {
        String frank = server.addUser("frank", false);
        var refused = server.call("POST", "/users", "{\"name\":\"x\"}", frank, null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("ACCESS_DENIED");
        assertThat(server.call("GET", "/users", null, frank, null).status()).isEqualTo(403);
        var again = server.post("/users", "{\"name\":\"frank\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("CONFLICT");
        var bad = server.post("/users", "{\"name\":\"Not Valid\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(server.get("/users").body().findValuesAsText("name")).contains("admin", "frank");
    }

}
