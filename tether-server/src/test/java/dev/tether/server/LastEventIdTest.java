package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /server}'s lastEventId is the last event the caller's stream would show them. */
class LastEventIdTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /**
     * GET /server shows non-admins the global last event id. Reproduction: a user's
     * {@code GET /server} answered the id of the administrator's latest event, which tells how busy
     * the server is for everybody. Now it is the id of the last event the user may see.
     */
    @Test
    void getServerShowsAUserTheIdOfTheLastEventTheyMaySee_notTheGlobalOne() {
        String user = server.addUser("viewer", false);
        var own = server.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", user, null);
        assertThat(own.status()).as(own.text()).isEqualTo(201);
        server.shell("exec sleep 60"); // the administrator's events come after the user's
        server.shell("exec sleep 60");

        long global = server.get("/server").body().get("lastEventId").asLong();
        long visible = server.eventsAs(user, 0).getLast().get("id").asLong();
        long shown = server.call("GET", "/server", null, user, null).body().get("lastEventId").asLong();

        assertThat(global).isEqualTo(server.lastEventId());
        assertThat(shown).isEqualTo(visible).isLessThan(global);
        assertThat(server.eventsAs(user, shown)).isEmpty(); // a stream "from now" misses nothing the user may see
    }
}
