package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions run as the server's own account, which can read the data directory (admin.token,
 * master.key): a user who may start a session is administrator in one step. So only
 * administrators start sessions unless the operator opted in with {@code --shared-account-sessions}.
 */
class SharedAccountSessionsTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture(ServerFixture.newDataDir(), /* sharedAccountSessions= */ false);

    /**
     * Any user becomes admin in one step. Reproduction: as user {@code u1}, {@code POST /sessions
     * {"command":"/bin/sh","args":["-c","cat DATA/admin.token"]}} answered 201, and the session
     * printed the administrator's token. Now it is 403 ACCESS_DENIED naming the user and the
     * setting, and nothing is recorded.
     */
    @Test
    void anyUserBecomesAdminInOneStep_aUserWhoIsNotAnAdministratorGetsNoSessionUnlessTheServerSharesItsAccount() {
        String u1 = server.addUser("u1", false);
        long since = server.lastEventId();
        int sessionsBefore = server.call("GET", "/sessions?allStates=true", null, server.token, null).body().size();

        var refused = server.call("POST", "/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\",\"cat "
                + server.dataDir.resolve("admin.token") + "\"]}", u1, null);

        assertThat(refused.status()).as(refused.text()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("ACCESS_DENIED");
        assertThat(refused.body().get("message").asText())
                .isEqualTo("the user u1 may not start sessions on test-server: sessions run as the server's own account,"
                        + " so only administrators start them unless the server runs with --shared-account-sessions");
        assertThat(server.call("GET", "/sessions?allStates=true", null, server.token, null).body().size()).isEqualTo(sessionsBefore);
        assertThat(ServerFixture.types(server.events(since))).doesNotContain("SessionCreated", "SessionClosed");
    }

    @Test
    void administratorsStillStartSessions() {
        var created = server.post("/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
    }

    /** The CLI's {@code user add} warns from this field; without it a client cannot tell. */
    @Test
    void getServerTellsEveryCallerWhetherUsersSessionsRunAsTheServersAccount() {
        String u2 = server.addUser("u2", false);
        assertThat(server.call("GET", "/server", null, u2, null).body().get("sharedAccountSessions").asBoolean(true)).isFalse();
        try (var shared = new ServerFixture()) {
            assertThat(shared.get("/server").body().get("sharedAccountSessions").asBoolean(false)).isTrue();
            String u3 = shared.addUser("u3", false);
            var created = shared.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", u3, null);
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            assertThat(created.body().get("user").asText()).isEqualTo("u3");
        }
    }
}
