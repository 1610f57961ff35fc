package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK's connections, tokens, passwords and login against a real server. */
class ConnectionsTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("connections-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    static long sleeper() {
        return tether.sessions().create(NewSession.of("sleep", "600")).id();
    }

    @Test
    void anAttachIsAConnectionRecordWithItsInitiatorClientAndState() {
        long session = sleeper();
        TerminalConnection terminal = tether.attach(session, 80, 24, "desk-3", new Recorder());
        terminal.activated().join();

        ConnectionInfo c = tether.connections().get(terminal.connectionId());

        assertThat(c.sessionId()).isEqualTo(session);
        assertThat(c.user()).isEqualTo("admin");
        assertThat(c.application()).isNull();
        assertThat(c.clientName()).isEqualTo("desk-3");
        assertThat(c.state()).isEqualTo(ConnectionState.ACTIVATED);
        assertThat(c.stateCode()).isEqualTo(1);
        assertThat(tether.connections().list(new ConnectionQuery(session, null, null, null))).extracting(ConnectionInfo::id)
                .containsExactly(terminal.connectionId());
        assertThat(tether.connections().list(new ConnectionQuery(session, ConnectionState.DEACTIVATED, null, null))).isEmpty();
        terminal.detach();
    }

    @Test
    void disconnectAsyncGivesTheRequestIdAtOnceAndCompletesWhenTheConnectionIsDeactivated() {
        long session = sleeper();
        var recorder = new Recorder();
        TerminalConnection terminal = tether.attach(session, 80, 24, "desk-3", recorder);
        terminal.activated().join();

        PendingRequest pending = tether.connections().disconnectAsync(terminal.connectionId());
        assertThat(pending.id()).isPositive();
        RequestRecord done = pending.await();

        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        ConnectionInfo after = tether.connections().get(terminal.connectionId());
        assertThat(after.state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(after.disconnectReason()).isEqualTo("disconnected by admin");
        assertThat(recorder.closed.join().kind()).isEqualTo(ControlMessage.Closed.DISCONNECTED);
        assertThatThrownBy(() -> tether.connections().disconnect(terminal.connectionId()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
    }

    @Test
    void anApplicationTokenRecordsItsApplicationAsTheInitiator() {
        try (TetherClient app = server.client(tether.tokens().create("backup-agent"))) {
            TerminalConnection terminal = app.attach(sleeper(), 80, 24, null, new Recorder());
            terminal.activated().join();

            assertThat(tether.connections().get(terminal.connectionId()).application()).isEqualTo("backup-agent");
            assertThatThrownBy(() -> app.tokens().create("other"))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
            terminal.detach();
        }
    }

    @Test
    void loginExchangesThePasswordSetWithPasswdForAWorkingToken_andAWrongOneIsUnauthenticated() {
        server.user("erin", "erin's password");

        String token = TetherClient.login(server.url(), "erin", "erin's password".toCharArray());

        try (TetherClient erin = server.client(token)) {
            assertThat(erin.server().caller().name()).isEqualTo("erin");
            erin.users().passwd("erin", "a new password".toCharArray());
        }
        assertThatThrownBy(() -> TetherClient.login(server.url(), "erin", "erin's password".toCharArray()))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.UNAUTHENTICATED);
                    assertThat(e.getMessage()).isEqualTo("the user name or password is wrong");
                });
        assertThat(TetherClient.login(server.url(), "erin", "a new password".toCharArray())).startsWith("tth_");
    }

    @Test
    void loginToAServerThatIsDownIsServerUnreachable() {
        assertThatThrownBy(() -> TetherClient.login(URI.create("http://127.0.0.1:" + TestServer.freePort()), "x", "yyyyyyyy".toCharArray()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.SERVER_UNREACHABLE));
    }
}
