package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.ConnectionState;
import dev.tether.api.NewSession;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TetherClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tether connection list|get|disconnect} (IMbnConnection) and {@code tether token create}, run as a user would. */
class ConnectionCommandsTest {
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("connection-cli");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static Cli tether() {
        return Cli.against(server);
    }

    static TerminalConnection attached(TetherClient client, String clientName) {
        long session = sdk.sessions().create(NewSession.of("sleep", "600")).id();
        TerminalConnection terminal = client.attach(session, 80, 24, clientName, new Listener());
        terminal.activated().join();
        return terminal;
    }

    @Test
    void connectionList_showsLiveConnectionsInATable_andGetShowsOne() throws Exception {
        TerminalConnection live = attached(sdk, "desk-9");
        TerminalConnection gone = attached(sdk, "desk-10");
        sdk.connections().disconnectAsync(gone.connectionId()).await();

        var list = tether().run("connection", "list");
        var all = tether().run("connection", "list", "--all-states", "--session", Long.toString(gone.sessionId()));
        var get = tether().run("connection", "get", Long.toString(live.connectionId()));
        var json = tether().run("connection", "get", Long.toString(live.connectionId()), "--json");

        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.outLines().getFirst().split("\\s+"))
                .containsExactly("ID", "SESSION", "USER", "APPLICATION", "WORKSPACE", "CLIENT", "STATE", "CONNECTED");
        assertThat(list.outLines()).anySatisfy(line -> assertThat(line).startsWith(live.connectionId() + " ")
                .contains(" " + live.sessionId() + " ", "admin", "desk-9", "ACTIVATED"));
        assertThat(list.out()).as("DEACTIVATED ones only with --all-states").doesNotContain("desk-10");
        assertThat(all.outLines()).anySatisfy(line -> assertThat(line).startsWith(gone.connectionId() + " ").contains("DEACTIVATED"));
        assertThat(get.outLines()).contains("state        ACTIVATED (1)").anySatisfy(l -> assertThat(l).startsWith("client").endsWith("desk-9"));
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertThat(node.get("stateCode").asInt()).isEqualTo(ConnectionState.ACTIVATED.code());
        assertThat(node.get("clientName").asText()).isEqualTo("desk-9");
        live.detach();
    }

    @Test
    void connectionDisconnect_waitsUntilDeactivated_andASecondDisconnectIsNotFound() throws Exception {
        var listener = new Listener();
        long session = sdk.sessions().create(NewSession.of("sleep", "600")).id();
        TerminalConnection terminal = sdk.attach(session, 80, 24, "desk-11", listener);
        terminal.activated().join();
        String id = Long.toString(terminal.connectionId());

        var first = tether().run("connection", "disconnect", id);
        var second = tether().run("connection", "disconnect", id);

        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.outLines()).singleElement().asString()
                .startsWith("connection " + id + " to session " + session).endsWith("disconnected");
        assertThat(sdk.connections().get(terminal.connectionId()).state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(listener.closed.get().reason()).isEqualTo("disconnected by admin");
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.errLines()).singleElement().asString()
                .startsWith("NOT_FOUND: connection " + id + " is already disconnected");
    }

    @Test
    void connectionDisconnect_noWait_printsTheRequestIdAtOnce() {
        TerminalConnection terminal = attached(sdk, "desk-12");

        var result = tether().run("connection", "disconnect", Long.toString(terminal.connectionId()), "--no-wait");

        assertThat(result.exit()).as(result.toString()).isZero();
        long requestId = Long.parseLong(result.out().strip());
        assertThat(sdk.requests().await(requestId).targets()).singleElement()
                .satisfies(t -> assertThat(t.id()).isEqualTo(terminal.connectionId()));
    }

    @Test
    void tokenCreate_printsAnApplicationToken_whoseConnectionsNameTheApplication_andWhichCannotDisconnectOthers() {
        var created = tether().run("token", "create", "--app", "deploy-bot");
        assertThat(created.exit()).as(created.toString()).isZero();
        String token = created.out().strip();
        assertThat(token).startsWith("tth_");

        try (TetherClient bot = server.client(token)) {
            TerminalConnection mine = attached(bot, "bot");
            TerminalConnection notMine = attached(sdk, "person");
            assertThat(sdk.connections().get(mine.connectionId()).application()).isEqualTo("deploy-bot");

            var refused = tether().token(token).run("connection", "disconnect", Long.toString(notMine.connectionId()));
            var allowed = tether().token(token).run("connection", "disconnect", Long.toString(mine.connectionId()));

            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.errLines()).singleElement().asString().startsWith("ACCESS_DENIED: connection " + notMine.connectionId());
            assertThat(allowed.exit()).as(allowed.toString()).isZero();
            notMine.detach();
        }
        var bad = tether().run("token", "create", "--app", "no spaces");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.errLines()).singleElement().asString().startsWith("INVALID_PARAMETER: 'no spaces' is not a valid application name");
    }
}
