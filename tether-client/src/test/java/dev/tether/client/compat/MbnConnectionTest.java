package dev.tether.client.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ConnectionState;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.Recorder;
import dev.tether.client.TestServer;
import dev.tether.client.TetherClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IMbnConnection and IMbnConnectionEvents, each test named after the statement it checks. */
class MbnConnectionTest {
    static TestServer server;
    static TetherClient tether;
    MbnConnectionPoint point;
    Sink sink;
    int cookie;

    @BeforeAll
    static void start() {
        server = new TestServer("mbn-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    @BeforeEach
    void advise() {
        point = new MbnConnectionPoint(tether);
        sink = new Sink();
        cookie = point.advise(sink);
    }

    @AfterEach
    void unadvise() {
        point.close();
    }

    record Heard(String kind, long connectionId, int requestId, ResultCode status, ConnectionState state, String reason) {
    }

    /** Records every callback. */
    static final class Sink implements MbnConnectionEvents {
        final List<Heard> heard = new CopyOnWriteArrayList<>();

        @Override
        public void onConnectComplete(MbnConnection connection, int requestId, ResultCode status) {
            heard.add(new Heard("connect", connection.getConnectionId(), requestId, status, null, null));
        }

        @Override
        public void onDisconnectComplete(MbnConnection connection, int requestId, ResultCode status) {
            heard.add(new Heard("disconnect", connection.getConnectionId(), requestId, status, null, null));
        }

        @Override
        public void onConnectStateChange(MbnConnection connection, ConnectionState state, String reason) {
            heard.add(new Heard("state", connection.getConnectionId(), 0, null, state, reason));
        }
    }

    static long sleeper() {
        return tether.sessions().create(NewSession.of("sleep", "600")).id();
    }

    @Test
    void connectReturnsARequestIdAtOnce_andOnConnectCompleteCarriesIt() {
        MbnConnection connection = MbnConnection.create(tether);

        int requestId = connection.connect(sleeper(), "mbn-test", new Recorder());

        assertThat(Integer.toUnsignedLong(requestId)).isPositive();
        await().until(() -> sink.heard.contains(new Heard("connect", connection.getConnectionId(), requestId, ResultCode.OK, null, null)));
        assertThat(connection.getConnectionState()).isEqualTo(ConnectionState.ACTIVATED);
        connection.close();
    }

    @Test
    void disconnectReturnsAUniqueRequestIdAtOnce_andOnDisconnectCompleteCarriesItWithStatusOk() {
        MbnConnection connection = MbnConnection.create(tether);
        var recorder = new Recorder();
        connection.connect(sleeper(), "mbn-test", recorder);
        connection.terminal().activated().join();

        int first = connection.disconnect();

        await().until(() -> sink.heard.contains(new Heard("disconnect", connection.getConnectionId(), first, ResultCode.OK, null, null)));
        assertThat(connection.getConnectionState()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(recorder.closed.join().reason()).contains("disconnected by admin");

        MbnConnection other = MbnConnection.create(tether);
        other.connect(sleeper(), "mbn-test", new Recorder());
        other.terminal().activated().join();
        int second = other.disconnect();
        assertThat(second).as("request ids are unique").isNotEqualTo(first);
        await().until(() -> sink.heard.contains(new Heard("disconnect", other.getConnectionId(), second, ResultCode.OK, null, null)));
    }

    @Test
    void disconnectingAConnectionThatIsAlreadyDisconnectedIsNotFound_0x80070490() {
        MbnConnection connection = MbnConnection.create(tether);
        connection.connect(sleeper(), "mbn-test", new Recorder());
        connection.terminal().activated().join();
        int requestId = connection.disconnect();
        tether.requests().await(Integer.toUnsignedLong(requestId));

        assertThatThrownBy(connection::disconnect).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
            assertThat(e.code().hresult()).isEqualTo(0x80070490);
            assertThat(e.getMessage()).contains("connection " + connection.getConnectionId()).contains("already disconnected");
        });
    }

    @Test
    void anApplicationTokenCannotDisconnectAnotherApplicationsConnection_butMayDisconnectItsOwn() {
        long session = sleeper();
        try (TetherClient editor = server.client(tether.tokens().create("editor"));
             TetherClient monitor = server.client(tether.tokens().create("monitor"))) {
            MbnConnection opened = MbnConnection.create(editor);
            opened.connect(session, "editor-host", new Recorder());
            opened.terminal().activated().join();
            assertThat(tether.connections().get(opened.getConnectionId()).application()).isEqualTo("editor");

            assertThatThrownBy(() -> MbnConnection.of(monitor, opened.getConnectionId()).disconnect())
                    .isInstanceOfSatisfying(TetherException.class, e -> {
                        assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED);
                        assertThat(e.code().hresult()).isEqualTo(0x80070005);
                        assertThat(e.getMessage()).contains("application editor").contains("monitor");
                    });
            assertThat(opened.getConnectionState()).isEqualTo(ConnectionState.ACTIVATED);

            int requestId = MbnConnection.of(editor, opened.getConnectionId()).disconnect();
            await().until(() -> sink.heard.contains(new Heard("disconnect", opened.getConnectionId(), requestId, ResultCode.OK, null, null)));
        }
    }

    @Test
    void onConnectStateChangeReportsWhatTheSystemDidOnItsOwn() {
        MbnConnection connection = MbnConnection.create(tether);
        var recorder = new Recorder();
        connection.connect(tether.sessions().create(NewSession.of("cat")).id(), "mbn-test", recorder);
        // Input echoed back: the server is reading this connection (see the report on closing right after "attached").
        connection.terminal().send("ping\n".getBytes(StandardCharsets.UTF_8)).join();
        await().until(() -> recorder.text().contains("ping"));

        connection.close(); // the client goes away: no disconnect request, so the system records it

        await().until(() -> sink.heard.stream().anyMatch(h -> h.kind().equals("state") && h.connectionId() == connection.getConnectionId()
                && h.state() == ConnectionState.DEACTIVATED && h.reason() != null));
        assertThat(sink.heard).noneMatch(h -> h.kind().equals("disconnect") && h.connectionId() == connection.getConnectionId());
    }

    @Test
    void afterUnadviseTheSinkHearsNothingMore() {
        point.unadvise(cookie);
        MbnConnection connection = MbnConnection.create(tether);
        int requestId = connection.connect(sleeper(), "mbn-test", new Recorder());
        connection.terminal().activated().join();
        var later = new Sink();
        point.advise(later, 0);
        await().until(() -> later.heard.stream().anyMatch(h -> h.requestId() == requestId));

        assertThat(sink.heard).noneMatch(h -> h.connectionId() == connection.getConnectionId());
        assertThatThrownBy(() -> point.unadvise(cookie))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
        connection.close();
    }
}
