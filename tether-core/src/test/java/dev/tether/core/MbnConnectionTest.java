package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.time.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IMbnConnection's statements, against the session service (in memory, scripted programs). */
class MbnConnectionTest {
    final MemoryStore store = new MemoryStore();
    final ScriptedPty pty = new ScriptedPty();
    final Caller alice = new Caller("alice", false, 0);
    final Caller editor = new Caller("alice", false, 0, "editor", null);
    final Caller viewer = new Caller("alice", false, 0, "viewer", null);
    final ManualScheduler time = new ManualScheduler();
    Kernel kernel;
    long session;

    @BeforeEach
    void start() {
        kernel = new Kernel(store, pty, time,
                new SessionService.Settings("box", 4096, Duration.ofMillis(50), Duration.ofMillis(50), /* sharedAccountSessions= */ true),
                Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp", "USER", "tester", "SHELL", "/bin/sh"));
        kernel.start("http://127.0.0.1:1").join();
        session = kernel.sessions().create(alice, NewSession.of("/bin/sh")).join().id();
    }

    @AfterEach
    void stop() {
        kernel.close();
    }

    EventRecord lastEvent(String type) {
        return store.events.stream().filter(e -> e.type().equals(type)).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no " + type + " event in " + store.eventTypes()));
    }

    /**
     * Reproduction: attaching without a client name or address recorded ClientAttached with
     * {@code "client":"null","remote":"null"} (the strings), because the event's map was built with
     * {@code String.valueOf}. A missing value is JSON null.
     */
    @Test
    void aClientWithoutANameOrAddressIsAttachedWithNullFields_notTheStringNull() {
        ClientHandle handle = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, null, null).join();
        assertThat(lastEvent("ClientAttached").data()).isEqualTo(new Event.ClientAttached(handle.id(), null, null, 1, "alice"));
    }

    @Test
    void connect_returnsARequestIdAtOnce_andConnectCompleteCarriesIt() {
        var client = new SessionServiceTest.TestClient();
        ClientHandle handle = kernel.connections().attach(editor, session, client, null, null, "pc", "::1").join();
        assertThat(client.told.getFirst()).isEqualTo("connecting " + handle.id() + " " + handle.requestId());
        assertThat(client.told).last().isEqualTo("activated " + handle.id());
        EventRecord complete = lastEvent("ConnectComplete");
        assertThat(complete.data()).isEqualTo(new Event.ConnectComplete(handle.id(), handle.requestId(), ResultCode.OK));
        ConnectionInfo c = kernel.connections().connection(alice, handle.id()).join();
        assertThat(c.state()).isEqualTo(ConnectionState.ACTIVATED);
        assertThat(c.stateCode()).isEqualTo(1);
        assertThat(c.application()).isEqualTo("editor");
    }

    @Test
    void disconnect_returnsAUniqueRequestIdAtOnce_andDisconnectCompleteCarriesIt() {
        ClientHandle handle = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
        var submitted = kernel.connections().disconnectConnection(alice, handle.id()).join();
        assertThat(submitted.request().id()).isPositive().isNotEqualTo(handle.requestId());
        submitted.completion().join();
        EventRecord complete = lastEvent("DisconnectComplete");
        assertThat(complete.data()).isInstanceOfSatisfying(Event.DisconnectComplete.class, d -> {
            assertThat(d.connectionId()).isEqualTo(handle.id());
            assertThat(d.requestId()).isEqualTo(submitted.request().id());
            assertThat(d.status()).isEqualTo(ResultCode.OK);
        });
        ConnectionInfo c = kernel.connections().connection(alice, handle.id()).join();
        assertThat(c.state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(c.stateCode()).isEqualTo(3);
        assertThat(c.disconnectReason()).isEqualTo("disconnected by alice");
    }

    /** A client whose transport never finishes closing (a peer that stopped reading). */
    static final class StuckClient extends SessionServiceTest.TestClient {
        @Override
        public java.util.concurrent.CompletionStage<Void> end(EndNotice notice) {
            ends.add(notice);
            return new java.util.concurrent.CompletableFuture<>();
        }
    }

    @Test
    void aDisconnectWhoseTransportDoesNotCloseIsDeactivatedAfterTheLetGoTimeout() {
        ClientHandle handle = kernel.connections().attach(alice, session, new StuckClient(), null, null, "pc", "::1").join();
        var submitted = kernel.connections().disconnectConnection(alice, handle.id()).join();
        org.awaitility.Awaitility.await().until(() -> time.hasDeadlineIn(Connections.LET_GO_TIMEOUT));
        time.advance(Connections.LET_GO_TIMEOUT.minusMillis(1));
        assertThat(submitted.completion()).isNotDone();
        assertThat(kernel.connections().connection(alice, handle.id()).join().state()).isEqualTo(ConnectionState.DEACTIVATING);
        time.advance(Duration.ofMillis(1));
        assertThat(submitted.completion().join().result()).isEqualTo(dev.tether.api.ResultCode.OK);
        ConnectionInfo c = kernel.connections().connection(alice, handle.id()).join();
        assertThat(c.state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(c.disconnectedAt()).isEqualTo(time.now());
    }

    @Test
    void disconnect_ofAnAlreadyDisconnectedConnection_isNotFound_0x80070490_andCreatesNoRequest() {
        ClientHandle handle = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
        kernel.connections().disconnectConnection(alice, handle.id()).join().completion().join();
        int requests = store.requests.size();
        assertThatThrownBy(() -> kernel.connections().disconnectConnection(alice, handle.id()).join())
                .cause().isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
                    assertThat(e.code().hresult()).isEqualTo(0x80070490);
                    assertThat(e.getMessage()).contains("connection " + handle.id() + " is already disconnected");
                });
        assertThat(store.requests).hasSize(requests);
    }

    @Test
    void disconnect_byARestrictedCaller_isLimitedToConnectionsItsApplicationStarted() {
        ClientHandle mine = kernel.connections().attach(editor, session, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
        ClientHandle theirs = kernel.connections().attach(viewer, session, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
        assertThatThrownBy(() -> kernel.connections().disconnectConnection(editor, theirs.id()).join())
                .cause().isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED);
                    assertThat(e.getMessage()).contains("initiated by application viewer");
                });
        assertThat(kernel.connections().disconnectConnection(editor, mine.id()).join().completion().join().result()).isEqualTo(ResultCode.OK);
        // a user token is not restricted that way
        assertThat(kernel.connections().disconnectConnection(alice, theirs.id()).join().completion().join().result()).isEqualTo(ResultCode.OK);
    }

    @Test
    void disconnectingASession_disconnectsEachConnection_eachWithItsDisconnectComplete() {
        ClientHandle a = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "a", "::1").join();
        ClientHandle b = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "b", "::1").join();
        RequestRecord done = kernel.sessions().disconnect(alice, Selection.of(session), true).join().completion().join();
        var completes = store.events.stream().filter(e -> e.type().equals("DisconnectComplete")).toList();
        assertThat(completes).extracting(e -> ((Event.DisconnectComplete) e.data()).connectionId()).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(completes).allSatisfy(e -> assertThat(((Event.DisconnectComplete) e.data()).requestId()).isEqualTo(done.id()));
    }

    /**
     * Reproduction: with the store failing the write that records a connection DEACTIVATED (a full
     * disk, say), the disconnect request still completed OK with its target "disconnected": the
     * outcome had been recorded in memory inside the write, and only the completion was stored again
     * on its own. The target fails with the store's error instead, and the request with it.
     */
    @Test
    void aDisconnectWhoseConnectionCannotBeStored_failsItsTarget_notReportsItDone() {
        ClientHandle a = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "a", "::1").join();
        store.failConnectionUpdates = new IllegalStateException("disk full");
        RequestRecord done = kernel.connections().disconnectConnection(alice, a.id()).join().completion().join();
        store.failConnectionUpdates = null;

        assertThat(done.result()).isEqualTo(ResultCode.INTERNAL);
        assertThat(done.targets()).singleElement().satisfies(t -> {
            assertThat(t.status()).isEqualTo(dev.tether.api.TargetStatus.FAILED);
            assertThat(t.message()).startsWith("connection " + a.id()).endsWith(": internal error"); // the cause is logged, not shown
        });
        assertThat(store.requests.get(done.id())).isEqualTo(done);
    }

    @Test
    void aRequestCompletesInTheSameWriteAsItsLastConnectionChange_notInACommitOfItsOwn() {
        var writes = new java.util.ArrayList<List<String>>();
        store.onCommit(batch -> writes.add(batch.stream().map(EventRecord::type).toList()));
        ClientHandle a = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "a", "::1").join();
        kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "b", "::1").join();
        kernel.connections().disconnectConnection(alice, a.id()).join().completion().join();
        kernel.sessions().disconnect(alice, Selection.of(session), true).join().completion().join();

        assertThat(writes).filteredOn(w -> w.contains("RequestCompleted")).containsExactly(
                List.of("ClientAttached", "ConnectComplete", "SessionStateChanged", "RequestCompleted"),
                List.of("ClientAttached", "ConnectComplete", "RequestCompleted"),
                List.of("DisconnectComplete", "RequestCompleted"),
                List.of("DisconnectComplete", "RequestCompleted"));
    }

    @Test
    void changesTheSystemMakesOnItsOwn_areReportedAsConnectStateChange() {
        ClientHandle left = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "a", "::1").join();
        left.gone("network dropped");
        EventRecord change = lastEvent("ConnectStateChange");
        assertThat(change.data()).isEqualTo(new Event.ConnectStateChange(left.id(), ConnectionState.DEACTIVATED,
                ConnectionState.DEACTIVATED.code(), "network dropped"));
        ClientHandle ended = kernel.connections().attach(alice, session, new SessionServiceTest.TestClient(), null, null, "b", "::1").join();
        pty.last().exit(0);
        assertThat(lastEvent("ConnectStateChange").data()).isEqualTo(new Event.ConnectStateChange(ended.id(),
                ConnectionState.DEACTIVATED, ConnectionState.DEACTIVATED.code(), "program exited"));
        assertThat(kernel.connections().connections(alice, new ConnectionQuery((long) session, null, null, null)).join())
                .extracting(ConnectionInfo::state).containsOnly(ConnectionState.DEACTIVATED);
    }

    @Test
    void aRestrictedTokenCannotDisconnectOrCloseWholeSessions() {
        assertThatThrownBy(() -> kernel.sessions().close(editor, Selection.of(session), true).join())
                .cause().isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
    }
}
