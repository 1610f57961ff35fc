package dev.tether.client.compat;

import static dev.tether.client.compat.WorkspaceScriptable.WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE;
import static dev.tether.client.compat.WorkspaceScriptable.WKS_FLAG_CREDS_AUTHENTICATED;
import static dev.tether.client.compat.WorkspaceScriptable.WKS_FLAG_PASSWORD_ENCRYPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import dev.tether.client.Recorder;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TestServer;
import dev.tether.client.TetherClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** IWorkspaceScriptable through the SDK's facade, each test named after the statement it checks. */
class WorkspaceScriptableTest {
    static final String PASSWORD = "correct horse battery";
    static TestServer server;
    static TetherClient dana;
    static WorkspaceScriptable workspaces;

    @BeforeAll
    static void start() {
        server = new TestServer("workspace-test");
        dana = server.client(server.user("dana", PASSWORD));
        workspaces = new WorkspaceScriptable(dana);
    }

    @AfterAll
    static void stop() {
        dana.close();
        server.close();
    }

    static long sleeper() {
        return dana.sessions().create(NewSession.of("sleep", "600")).id();
    }

    /** A connection opened with {@code token} to {@code session}, ACTIVATED. */
    static TerminalConnection connect(String token, long session, List<TetherClient> clients) {
        TetherClient client = server.client(token);
        clients.add(client);
        TerminalConnection terminal = client.attach(session, 80, 24, "ws-test", new Recorder());
        terminal.activated().join();
        return terminal;
    }

    static ConnectionState state(TerminalConnection c) {
        return dana.connections().get(c.connectionId()).state();
    }

    @Test
    void disconnectWorkspaceDisconnectsAllConnectionsOfTheWorkspaceAndNoOther_andTheSessionsKeepRunning() {
        long first = sleeper();
        long second = sleeper();
        String mine = workspaces.startWorkspace("ws-a", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        String other = workspaces.startWorkspace("ws-b", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        var clients = new CopyOnWriteArrayList<TetherClient>();
        try {
            TerminalConnection a1 = connect(mine, first, clients);
            TerminalConnection a2 = connect(mine, second, clients);
            TerminalConnection b1 = connect(other, first, clients);
            TerminalConnection plain = dana.attach(second, 80, 24, "no-workspace", new Recorder());
            plain.activated().join();
            assertThat(dana.connections().get(a1.connectionId()).workspaceId()).isEqualTo("ws-a");

            workspaces.disconnectWorkspace("ws-a");

            assertThat(state(a1)).isEqualTo(ConnectionState.DEACTIVATED);
            assertThat(state(a2)).isEqualTo(ConnectionState.DEACTIVATED);
            assertThat(state(b1)).as("another workspace's connection").isEqualTo(ConnectionState.ACTIVATED);
            assertThat(state(plain)).as("a connection in no workspace").isEqualTo(ConnectionState.ACTIVATED);
            assertThat(dana.sessions().get(first).state()).isEqualTo(SessionState.ACTIVE);
            assertThat(dana.sessions().get(second).state()).isEqualTo(SessionState.ACTIVE);
            // ... and deletes its entries from the credential store; its token is revoked.
            assertThat(workspaces.isWorkspaceCredentialSpecified("ws-a", true)).isFalse();
            assertThat(workspaces.isWorkspaceCredentialSpecified("ws-b", true)).isTrue();
            try (TetherClient revoked = server.client(mine)) {
                assertThatThrownBy(() -> revoked.sessions().list())
                        .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.UNAUTHENTICATED));
            }
            plain.detach();
        } finally {
            clients.forEach(TetherClient::close);
        }
    }

    @Test
    void eachConnectionOfADisconnectedWorkspaceGetsItsDisconnectComplete() {
        String token = workspaces.startWorkspace("ws-events", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        var clients = new CopyOnWriteArrayList<TetherClient>();
        var heard = new CopyOnWriteArrayList<EventRecord>();
        try (var subscription = dana.events().subscribe(heard::add, dana.events().lastEventId())) {
            TerminalConnection c1 = connect(token, sleeper(), clients);
            TerminalConnection c2 = connect(token, sleeper(), clients);

            long requestId = dana.workspaces().disconnectAsync("ws-events").await().id();

            await().untilAsserted(() -> assertThat(heard).filteredOn(e -> e.data() instanceof Event.DisconnectComplete)
                    .extracting(e -> ((Event.DisconnectComplete) e.data()).connectionId(), e -> ((Event.DisconnectComplete) e.data()).requestId())
                    .contains(tuple(c1.connectionId(), requestId),
                            tuple(c2.connectionId(), requestId)));
        } finally {
            clients.forEach(TetherClient::close);
        }
    }

    @Test
    void disconnectWorkspaceByFriendlyNameDoesTheSame_andAnAmbiguousNameIsConflict() {
        String token = workspaces.startWorkspace("ws-f1", "Payroll", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        var clients = new CopyOnWriteArrayList<TetherClient>();
        try {
            TerminalConnection c = connect(token, sleeper(), clients);

            workspaces.disconnectWorkspaceByFriendlyName("Payroll");

            assertThat(state(c)).isEqualTo(ConnectionState.DEACTIVATED);
            assertThat(workspaces.isWorkspaceCredentialSpecified("ws-f1", true)).isFalse();
        } finally {
            clients.forEach(TetherClient::close);
        }

        workspaces.startWorkspace("ws-f2", "Shared", "dana", PASSWORD, 0, 0);
        workspaces.startWorkspace("ws-f3", "Shared", "dana", PASSWORD, 0, 0);
        assertThatThrownBy(() -> workspaces.disconnectWorkspaceByFriendlyName("Shared"))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.CONFLICT);
                    assertThat(e.getMessage()).contains("ws-f2").contains("ws-f3");
                });
        assertThat(workspaces.isWorkspaceCredentialSpecified("ws-f2", true)).isTrue();
    }

    @Test
    void isWorkspaceCredentialSpecifiedCountsUnauthenticatedCredentialsOnlyWhenAsked_andOnAuthenticatedMarksThemAuthenticated() {
        workspaces.startWorkspace("ws-auth", "dana", PASSWORD, 60, 0);

        assertThat(workspaces.isWorkspaceCredentialSpecified("ws-auth", true)).isTrue();
        assertThat(workspaces.isWorkspaceCredentialSpecified("ws-auth", false)).isFalse();

        workspaces.onAuthenticated("ws-auth", "dana");

        assertThat(workspaces.isWorkspaceCredentialSpecified("ws-auth", false)).isTrue();
        assertThat(workspaces.isWorkspaceCredentialSpecified("never-started", true)).isFalse();
    }

    @Test
    void onAuthenticatedRefusesCredentialsThatDoNotMatchTheAccount() {
        workspaces.startWorkspace("ws-wrong", "dana", "not the password", 0, 0);

        assertThatThrownBy(() -> workspaces.onAuthenticated("ws-wrong", null))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
        assertThatThrownBy(() -> workspaces.onAuthenticated("ws-wrong", "somebody-else"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER));
        assertThat(workspaces.isWorkspaceCredentialSpecified("ws-wrong", false)).isFalse();
    }

    @Test
    void clearWorkspaceCredentialRemovesTheWorkspaceOnlyWhenItHasNoActiveConnection() {
        String token = workspaces.startWorkspace("ws-busy", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        workspaces.startWorkspace("ws-idle", "dana", PASSWORD, 0, WKS_FLAG_CREDS_AUTHENTICATED);
        var clients = new CopyOnWriteArrayList<TetherClient>();
        try {
            connect(token, sleeper(), clients);

            workspaces.clearWorkspaceCredential("ws-busy");
            workspaces.clearWorkspaceCredential("ws-idle");

            assertThat(workspaces.isWorkspaceCredentialSpecified("ws-busy", true)).isFalse();
            assertThat(dana.workspaces().get("ws-busy").connections()).extracting(ConnectionInfo::state).containsOnly(ConnectionState.ACTIVATED);
            assertThatThrownBy(() -> dana.workspaces().get("ws-idle"))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
        } finally {
            clients.forEach(TetherClient::close);
        }
    }

    @Test
    void clearCredsOnLastResourceDeletesTheCredentialsWhenTheLastConnectionEnds() {
        String token = workspaces.startWorkspace("ws-last", "dana", PASSWORD, 0,
                WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE | WKS_FLAG_CREDS_AUTHENTICATED);
        var clients = new CopyOnWriteArrayList<TetherClient>();
        try {
            TerminalConnection c = connect(token, sleeper(), clients);
            assertThat(workspaces.isWorkspaceCredentialSpecified("ws-last", false)).isTrue();

            c.detach();

            await().until(() -> !workspaces.isWorkspaceCredentialSpecified("ws-last", true));
        } finally {
            clients.forEach(TetherClient::close);
        }
    }

    @Test
    void startWorkspaceRefusesAnEncryptedPasswordFlag() {
        assertThatThrownBy(() -> workspaces.startWorkspace("ws-enc", "dana", PASSWORD, 0, WKS_FLAG_PASSWORD_ENCRYPTED))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER);
                    assertThat(e.getMessage()).contains("WKS_FLAG_PASSWORD_ENCRYPTED");
                });
    }
}
