package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ConnectionState;
import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TetherClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tether workspace ...} (IWorkspaceScriptable), run as a user would. */
class WorkspaceCommandsTest {
    static final String PASSWORD = "hunter2-but-longer";
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("workspace-cli");
        sdk = server.client();
        sdk.users().passwd("admin", PASSWORD.toCharArray());
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static Cli tether() {
        return Cli.against(server);
    }

    static String start(String id, String... more) {
        var args = new ArrayList<>(List.of("workspace", "start", id, "--user", "admin"));
        args.addAll(List.of(more));
        var result = tether().stdin(PASSWORD + "\n").run(args.toArray(String[]::new));
        assertThat(result.exit()).as(result.toString()).isZero();
        return result.out().strip();
    }

    static TerminalConnection connect(TetherClient client) {
        long session = sdk.sessions().create(NewSession.of("sleep", "600")).id();
        TerminalConnection terminal = client.attach(session, 80, 24, "ws-cli", new Listener());
        terminal.activated().join();
        return terminal;
    }

    @Test
    void workspaceStart_readsThePasswordFromStdin_andPrintsTheWorkspaceTokenOnce() {
        var result = tether().stdin(PASSWORD + "\n").run("workspace", "start", "ws-1", "--user", "admin", "--friendly-name", "Reports");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.outLines()).singleElement().asString().startsWith("tth_");
        assertThat(result.err()).isEmpty();
        var get = tether().run("workspace", "get", "ws-1");
        assertThat(get.out()).contains("Reports").contains("UNAUTHENTICATED (for admin)").doesNotContain(PASSWORD).doesNotContain("tth_");
        assertThat(tether().run("workspace", "list").outLines()).anySatisfy(l -> assertThat(l).startsWith("ws-1 ").contains("Reports", "UNAUTHENTICATED"));
    }

    @Test
    void workspaceStart_withNoPasswordOnStdin_isRefused() {
        var result = tether().stdin("").run("workspace", "start", "ws-empty", "--user", "admin");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("INVALID_PARAMETER: no password was given (stdin was empty); nothing was changed");
    }

    @Test
    void workspaceCredential_countsUnauthenticatedCredentialsOnlyWhenAsked_andAuthenticatedMarksThem() {
        start("ws-2");

        assertThat(tether().run("workspace", "credential", "ws-2").out().strip()).isEqualTo("no");
        assertThat(tether().run("workspace", "credential", "ws-2", "--count-unauthenticated").out().strip()).isEqualTo("yes");

        var authenticated = tether().run("workspace", "authenticated", "ws-2");

        assertThat(authenticated.exit()).as(authenticated.toString()).isZero();
        assertThat(authenticated.out()).startsWith("workspace ws-2: credentials for admin are AUTHENTICATED");
        assertThat(tether().run("workspace", "credential", "ws-2").out().strip()).isEqualTo("yes");
    }

    @Test
    void workspaceDisconnect_disconnectsAllConnectionsOfTheWorkspaceAndNoOther_andDeletesTheCredentials() {
        String token = start("ws-3", "--authenticated");
        try (TetherClient inWorkspace = server.client(token)) {
            TerminalConnection a = connect(inWorkspace);
            TerminalConnection b = connect(inWorkspace);
            TerminalConnection outside = connect(sdk);

            var result = tether().run("workspace", "disconnect", "ws-3");

            assertThat(result.exit()).as(result.toString()).isZero();
            assertThat(result.outLines().getFirst())
                    .isEqualTo("workspace ws-3 disconnected: 2 connections; its credentials are deleted and its token revoked");
            assertThat(result.outLines()).hasSize(3);
            assertThat(sdk.connections().get(a.connectionId()).state()).isEqualTo(ConnectionState.DEACTIVATED);
            assertThat(sdk.connections().get(b.connectionId()).state()).isEqualTo(ConnectionState.DEACTIVATED);
            assertThat(sdk.connections().get(outside.connectionId()).state()).isEqualTo(ConnectionState.ACTIVATED);
            assertThat(sdk.sessions().get(a.sessionId()).state()).as("the session keeps running").isEqualTo(SessionState.DISCONNECTED);
            assertThat(tether().run("workspace", "credential", "ws-3", "--count-unauthenticated").out().strip()).isEqualTo("no");
            outside.detach();
        }
    }

    @Test
    void workspaceDisconnect_byFriendlyName_andAnAmbiguousNameIsConflict() {
        start("ws-4", "--friendly-name", "Billing");
        start("ws-5", "--friendly-name", "Twice");
        start("ws-6", "--friendly-name", "Twice");

        var byName = tether().run("workspace", "disconnect", "--friendly-name", "Billing");
        var ambiguous = tether().run("workspace", "disconnect", "--friendly-name", "Twice");
        var neither = tether().run("workspace", "disconnect");

        assertThat(byName.exit()).as(byName.toString()).isZero();
        assertThat(byName.outLines()).containsExactly("workspace 'Billing' disconnected: no connection was open; "
                + "its credentials are deleted and its token revoked");
        assertThat(ambiguous.exit()).isEqualTo(1);
        assertThat(ambiguous.errLines()).singleElement().asString().startsWith("CONFLICT: the friendly name 'Twice' is ambiguous");
        assertThat(neither.exit()).isEqualTo(2);
    }

    @Test
    void workspaceClearCredential_removesTheWorkspaceOnlyWithoutActiveConnections() {
        start("ws-7");
        String busy = start("ws-8", "--authenticated");
        try (TetherClient inWorkspace = server.client(busy)) {
            TerminalConnection c = connect(inWorkspace);

            var idle = tether().run("workspace", "clear-credential", "ws-7");
            var active = tether().run("workspace", "clear-credential", "ws-8");

            assertThat(idle.out().strip()).isEqualTo("workspace ws-7: credentials deleted; the workspace is removed (it had no active connection)");
            assertThat(active.out().strip()).isEqualTo("workspace ws-8: credentials deleted; the workspace stays while it has active connections");
            assertThat(tether().run("workspace", "get", "ws-7").errLines()).containsExactly("NOT_FOUND: you have no workspace ws-7");
            c.detach();
        }
    }
}
