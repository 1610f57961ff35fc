package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.Bodies;
import dev.tether.api.ConnectionState;
import dev.tether.api.CredentialState;
import dev.tether.api.Event;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.StartWorkspace;
import dev.tether.api.StartedWorkspace;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.account.PlainHasher;
import dev.tether.core.store.CredentialVault;
import dev.tether.core.time.Scheduler;
import dev.tether.core.workspace.Workspaces;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IWorkspaceScriptable's statements against the core services, with an injected clock. */
class WorkspaceScriptableTest {
    final SessionServiceTest.TestClock clock = new SessionServiceTest.TestClock(Instant.parse("2026-11-21T09:00:00Z"));
    final MemoryStore store = new MemoryStore();
    final ScriptedPty pty = new ScriptedPty();
    final Caller alice = new Caller("alice", false, 0);
    Accounts accounts;
    Kernel kernel;
    Workspaces workspaces;
    long session;

    /** Not encryption: reverses the bytes and checks the associated data, enough to test the rules (Tink is tested in tether-store). */
    static final class TestVault implements CredentialVault {
        @Override
        public byte[] seal(byte[] plaintext, String ad) {
            byte[] out = (ad + "|" + new String(plaintext)).getBytes();
            return out;
        }

        @Override
        public byte[] open(byte[] sealed, String ad) {
            String s = new String(sealed);
            if (!s.startsWith(ad + "|")) {
                throw new TetherException(ResultCode.ACCESS_DENIED, "sealed for another record");
            }
            return Arrays.copyOfRange(sealed, ad.length() + 1, sealed.length);
        }
    }

    @BeforeEach
    void start() {
        kernel = new Kernel(store, pty, Scheduler.system(clock),
                new SessionService.Settings("box", 4096, Duration.ofMillis(50), Duration.ofMillis(50), /* sharedAccountSessions= */ true),
                Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp", "USER", "tester", "SHELL", "/bin/sh"));
        kernel.start("http://127.0.0.1:1").join();
        accounts = new Accounts(store, clock, new PlainHasher(), Runnable::run);
        workspaces = new Workspaces(store, kernel.connections(), accounts, new TestVault(), clock);
        store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, clock.instant())));
        accounts.setPassword(new Caller("root", true, 0), "alice", "s3cret-pass".toCharArray()).join();
        session = kernel.sessions().create(alice, NewSession.of("/bin/sh")).join().id();
    }

    @AfterEach
    void stop() {
        kernel.close();
    }

    StartedWorkspace startWorkspace(String id, String friendly, int timeout, boolean clearOnLast, boolean authenticated) {
        return workspaces.start(alice, new StartWorkspace(id, friendly, "alice", "s3cret-pass", timeout, clearOnLast, authenticated)).join();
    }

    Caller withToken(String token) {
        return accounts.authenticate(token).join();
    }

    ClientHandle connect(Caller caller) {
        return kernel.connections().attach(caller, session, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
    }

    @Test
    void startWorkspace_tiesCredentialsToTheId_unauthenticatedUnlessFlagged() {
        var started = startWorkspace("ws1", "Work", 0, false, false);
        assertThat(started.workspace().credentialState()).isEqualTo(CredentialState.UNAUTHENTICATED);
        assertThat(started.token()).startsWith("tth_");
        assertThat(startWorkspace("ws2", "Home", 0, false, true).workspace().credentialState()).isEqualTo(CredentialState.AUTHENTICATED);
        assertThat(store.credentials.get("alice/ws1").sealed()).isNotEqualTo("s3cret-pass".getBytes());
    }

    @Test
    void isWorkspaceCredentialSpecified_countsUnauthenticatedOnesOnlyWhenAsked() {
        startWorkspace("ws1", "Work", 0, false, false);
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", true).join()).isTrue();
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", false).join()).isFalse();
        assertThat(workspaces.isCredentialSpecified(alice, "nope", true).join()).isFalse();
    }

    @Test
    void onAuthenticated_verifiesTheCredentialsAgainstTheAccount_andResetsTheTimeout() {
        startWorkspace("ws1", "Work", 30, false, false);
        clock.advance(Duration.ofMinutes(20));
        var info = workspaces.onAuthenticated(alice, "ws1").join();
        assertThat(info.credentialState()).isEqualTo(CredentialState.AUTHENTICATED);
        assertThat(info.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(30)));
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", false).join()).isTrue();
        clock.advance(Duration.ofMinutes(20)); // 40 minutes after the start, 20 after authenticating
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", false).join()).isTrue();
    }

    @Test
    void onAuthenticated_refusesCredentialsThatDoNotMatchTheAccount() {
        workspaces.start(alice, new StartWorkspace("ws1", "Work", "alice", "wrong-password", 0, false, false)).join();
        assertThatThrownBy(() -> workspaces.onAuthenticated(alice, "ws1").join())
                .hasMessageContaining("do not match the password of the account alice");
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", false).join()).isFalse();
    }

    @Test
    void startWorkspace_credentialsAreDeletedWhenTimeoutMinutesPass() {
        startWorkspace("ws1", "Work", 15, false, true);
        clock.advance(Duration.ofMinutes(14));
        assertThat(workspaces.sweep().join()).isZero();
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", true).join()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", true).join()).isFalse();
        assertThat(workspaces.sweep().join()).isEqualTo(1);
        assertThat(store.credentials).doesNotContainKey("alice/ws1");
        assertThat(store.eventTypes()).contains("WorkspaceCredentialExpired");
    }

    @Test
    void startWorkspace_withATimeoutOfZero_neverExpires() {
        startWorkspace("ws1", "Work", 0, false, true);
        clock.advance(Duration.ofDays(400));
        assertThat(workspaces.sweep().join()).isZero();
        assertThat(workspaces.isCredentialSpecified(alice, "ws1", false).join()).isTrue();
    }

    @Test
    void clearWorkspaceCredential_removesTheWorkspaceOnlyWhenItHasNoActiveConnection() {
        var busy = startWorkspace("busy", "Busy", 0, false, true);
        connect(withToken(busy.token()));
        assertThat(workspaces.clearCredential(alice, "busy").join()).isEqualTo(new Bodies.CredentialCleared("busy", true, false));
        assertThat(store.workspaces).containsKey("alice/busy");
        assertThat(store.credentials).doesNotContainKey("alice/busy");
        startWorkspace("idle", "Idle", 0, false, true);
        assertThat(workspaces.clearCredential(alice, "idle").join()).isEqualTo(new Bodies.CredentialCleared("idle", true, true));
        assertThat(store.workspaces).doesNotContainKey("alice/idle");
    }

    @Test
    void startWorkspace_clearCredsOnLastResource_deletesTheCredentialsWhenTheLastConnectionEnds() {
        var started = startWorkspace("ws1", "Work", 0, true, true);
        Caller ws = withToken(started.token());
        ClientHandle a = connect(ws);
        ClientHandle b = connect(ws);
        a.gone("closed");
        assertThat(store.credentials).containsKey("alice/ws1");
        b.gone("closed");
        assertThat(store.credentials).doesNotContainKey("alice/ws1");
    }

    @Test
    void disconnectWorkspace_disconnectsAllConnectionsOfTheWorkspaceAndNoOther_deletesItsCredentials_andTheSessionsKeepRunning() {
        var started = startWorkspace("ws1", "Work", 0, false, true);
        Caller ws = withToken(started.token());
        ClientHandle in1 = connect(ws);
        ClientHandle in2 = connect(ws);
        ClientHandle outside = connect(alice);
        var done = workspaces.disconnect(alice, "ws1").join().completion().join();
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        assertThat(kernel.connections().connection(alice, in1.id()).join().state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(kernel.connections().connection(alice, in2.id()).join().state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(kernel.connections().connection(alice, outside.id()).join().state()).isEqualTo(ConnectionState.ACTIVATED);
        var completes = store.events.stream().filter(e -> e.type().equals("DisconnectComplete")).toList();
        assertThat(completes).extracting(e -> ((Event.DisconnectComplete) e.data()).connectionId())
                .containsExactlyInAnyOrder(in1.id(), in2.id());
        assertThat(completes).allSatisfy(e -> assertThat(((Event.DisconnectComplete) e.data()).requestId()).isEqualTo(done.id()));
        assertThat(store.credentials).doesNotContainKey("alice/ws1");
        assertThat(pty.last().alive()).isTrue();
        assertThat(store.eventTypes()).contains("WorkspaceDisconnected");
        assertThatThrownBy(() -> accounts.authenticate(started.token()).join()).hasMessageContaining("revoked");
    }

    @Test
    void disconnectWorkspaceByFriendlyName_findsItByName_andAnAmbiguousNameIsAConflict() {
        var started = startWorkspace("ws1", "Work", 0, false, true);
        ClientHandle in = connect(withToken(started.token()));
        workspaces.disconnectByFriendlyName(alice, "Work").join().completion().join();
        assertThat(kernel.connections().connection(alice, in.id()).join().state()).isEqualTo(ConnectionState.DEACTIVATED);
        startWorkspace("a", "Twin", 0, false, true);
        startWorkspace("b", "Twin", 0, false, true);
        assertThatThrownBy(() -> workspaces.disconnectByFriendlyName(alice, "Twin").join())
                .cause().isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.CONFLICT);
                    assertThat(e.getMessage()).contains("ambiguous").contains("a, b");
                });
    }
}
