package dev.tether.client.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.client.TestServer;
import dev.tether.client.TetherClient;
import dev.tether.client.compat.WmsSessions.Answer;
import dev.tether.client.compat.WmsSessions.Options;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WMS session cmdlets: -SessionId or -All, -Server, -WhatIf and -Confirm. */
class WmsSessionsTest {
    static TestServer server;
    static TetherClient tether;
    static WmsSessions wms;

    @BeforeAll
    static void start() {
        server = new TestServer("wms-test");
        tether = server.admin();
        wms = WmsSessions.using(tether);
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
    void getWmsSessionReturnsTheNamedSessions_andAnUnknownIdIsNotFound() {
        long a = sleeper();
        long b = sleeper();

        assertThat(wms.get(new long[] {a, b}, Options.defaults())).extracting(SessionInfo::id).containsExactly(a, b);
        assertThat(wms.getAll(Options.defaults())).extracting(SessionInfo::id).contains(a, b);
        assertThatThrownBy(() -> wms.get(new long[] {4_000_000_000L}, Options.defaults()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
    }

    @Test
    void disconnectWmsSessionWhatIfSaysWhatWouldHappenAndDoesNothing() {
        long id = sleeper();
        long pid = tether.sessions().get(id).pid();

        RequestRecord answer = wms.close(new long[] {id}, Options.defaults().withWhatIf());

        assertThat(answer.whatIf()).isTrue();
        assertThat(answer.targets()).extracting(TargetResult::id).containsExactly(id);
        assertThat(tether.sessions().get(id).state()).isNotEqualTo(SessionState.CLOSED);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).hasValue(true);
    }

    @Test
    void disconnectWmsSessionConfirmAsksPerSession_andActsOnlyOnTheChosenOnes() {
        long yes = sleeper();
        long no = sleeper();
        var asked = new ArrayList<String>();

        RequestRecord done = wms.close(new long[] {yes, no}, Options.defaults().withConfirm((operation, target) -> {
            asked.add(operation + " " + target);
            return target.contains("session " + yes + " ") ? Answer.YES : Answer.NO;
        }));

        assertThat(asked).hasSize(2).allMatch(a -> a.startsWith("Close session "));
        assertThat(done.targets()).extracting(TargetResult::id).containsExactly(yes);
        assertThat(tether.sessions().get(yes).state()).isEqualTo(SessionState.CLOSED);
        assertThat(tether.sessions().get(no).state()).isNotEqualTo(SessionState.CLOSED);
    }

    @Test
    void confirmNoToAllStopsAsking_andNothingIsDone() {
        long a = sleeper();
        long b = sleeper();
        List<String> asked = new ArrayList<>();

        RequestRecord done = wms.disconnect(new long[] {a, b}, Options.defaults().withConfirm((op, target) -> {
            asked.add(target);
            return Answer.NO_TO_ALL;
        }));

        assertThat(asked).hasSize(1);
        assertThat(done.targets()).isEmpty();
        assertThat(done.result()).isEqualTo(ResultCode.OK);
    }

    @Test
    void lockWmsSessionNeedsAMessage_andUnlockWmsSessionUnlocks() {
        long id = sleeper();
        assertThatThrownBy(() -> wms.lock(new long[] {id}, "", Options.defaults()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER));

        RequestRecord locked = wms.lock(new long[] {id}, "Back soon", Options.defaults());
        assertThat(locked.targets()).extracting(TargetResult::status).containsExactly(TargetStatus.DONE);
        assertThat(tether.sessions().get(id).locked()).isTrue();

        wms.unlockAll(null, Options.defaults());
        assertThat(tether.sessions().get(id).locked()).isFalse();
    }

    @Test
    void aServerOtherThanTheClientsIsRefused_localhostIsTheDefault() {
        assertThat(wms.getAll(Options.defaults().withServer("localhost"))).isNotNull();
        assertThatThrownBy(() -> wms.getAll(Options.defaults().withServer("elsewhere.example")))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER);
                    assertThat(e.getMessage()).contains("elsewhere.example");
                });
        assertThat(WmsSessions.address("tether1")).hasToString("http://tether1:7420");
        assertThat(WmsSessions.address("localhost")).hasToString("http://127.0.0.1:7420");
    }
}
