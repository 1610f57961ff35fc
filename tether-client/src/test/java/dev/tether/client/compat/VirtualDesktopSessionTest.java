package dev.tether.client.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import dev.tether.client.Recorder;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TestServer;
import dev.tether.client.TetherClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Win32_VirtualDesktopSession: its properties, and Disconnect, Logoff and SendMessage returning 0 or the error code. */
class VirtualDesktopSessionTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("vds-host");
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
    void theObjectCarriesVmHostNameSessionIdConnectStateUserNameDomainNameCollectionIdAndClientMachineName() {
        long id = sleeper();
        TerminalConnection terminal = tether.attach(id, 80, 24, "laptop-7", new Recorder());
        terminal.activated().join();

        VirtualDesktopSession vds = VirtualDesktopSession.get(tether, id);

        assertThat(vds.getVMHostName()).isEqualTo("vds-host");
        assertThat(vds.getSessionId()).isEqualTo(id);
        assertThat(vds.getConnectState()).isEqualTo(SessionState.ACTIVE.code()).isZero();
        assertThat(vds.getUserName()).isEqualTo("admin");
        assertThat(vds.getDomainName()).isEqualTo("local");
        assertThat(vds.getCollectionId()).isEqualTo("sleep");
        assertThat(vds.getClientMachineName()).isEqualTo("laptop-7");
        assertThat(VirtualDesktopSession.list(tether)).extracting(VirtualDesktopSession::getSessionId).contains(id);
        terminal.detach();
    }

    @Test
    void disconnectDisconnectsTheSessionAndReturnsZero() {
        long id = sleeper();
        var recorder = new Recorder();
        tether.attach(id, 80, 24, "laptop-7", recorder).activated().join();

        int result = VirtualDesktopSession.of(tether, id).disconnect();

        assertThat(result).isZero();
        assertThat(recorder.closed.join().kind()).isEqualTo(ControlMessage.Closed.DISCONNECTED);
        assertThat(tether.sessions().get(id).state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(VirtualDesktopSession.get(tether, id).getConnectState()).isEqualTo(4);
    }

    @Test
    void disconnectReturnsTheErrorCodeOnFailure_1168ForASessionThatDoesNotExist() {
        VirtualDesktopSession missing = VirtualDesktopSession.of(tether, 4_000_000_000L);

        assertThat(missing.disconnect()).isEqualTo(1168);
        assertThat(missing.logoff()).isEqualTo(1168);
        assertThat(missing.sendMessage("t", "m")).isEqualTo(1168);
        assertThatThrownBy(missing::getUserName)
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
    }

    @Test
    void disconnectOfAClosedSessionReturnsInvalidState5023() {
        long id = sleeper();
        tether.sessions().closeAsync(id).await();

        assertThat(VirtualDesktopSession.of(tether, id).disconnect()).isEqualTo(ResultCode.INVALID_STATE.windowsCode());
    }

    @Test
    void logoffEndsTheSessionAndReturnsZero() {
        long id = sleeper();

        assertThat(VirtualDesktopSession.of(tether, id).logoff()).isZero();

        await().until(() -> tether.sessions().get(id).state() == SessionState.CLOSED);
    }

    @Test
    void sendMessageShowsTheMessageToAttachedClientsAndReturnsZero_orInvalidStateWithNoClient() {
        long id = sleeper();
        VirtualDesktopSession vds = VirtualDesktopSession.of(tether, id);
        assertThat(vds.sendMessage("Maintenance", "Back in 5 minutes")).isEqualTo(ResultCode.INVALID_STATE.windowsCode());

        var recorder = new Recorder();
        TerminalConnection terminal = tether.attach(id, 80, 24, "laptop-7", recorder);
        terminal.activated().join();

        assertThat(vds.sendMessage("Maintenance", "Back in 5 minutes")).isZero();
        await().until(() -> !recorder.control(ControlMessage.Message.class).isEmpty());
        assertThat(recorder.control(ControlMessage.Message.class).getFirst()).satisfies(m -> {
            assertThat(m.title()).isEqualTo("Maintenance");
            assertThat(m.text()).isEqualTo("Back in 5 minutes");
        });
        terminal.detach();
    }
}
