package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Attachment;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow control both ways: slow viewers, a program that outruns them, input the program does not
 * read. The too-slow rule runs on {@link #driven}'s clock, which the tests advance; one test keeps
 * the system clock to show that a host started for production measures the rule on it.
 */
class BackpressureTest {
    private static final int RING = 64 * 1024;
    private static final Duration TOO_SLOW = Duration.ofNanos(Fanout.TOO_SLOW_NANOS);
    @RegisterExtension
    static final Host host = new Host();
    @RegisterExtension
    static final DrivenHost driven = new DrivenHost();

    private static void type(Terminal terminal, String text) {
        terminal.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aViewerThatStaysFullForASecondWhileAnotherWantsOutputIsLetGoAsTooSlow_andNotBefore() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = driven.spawn(spec(RING, "sh", "-c", "read go; exec yes"), exits);
        RecordingViewer stuck = new RecordingViewer(/* keepBytes= */ false);
        stuck.full.set(true);
        RecordingViewer keepingUp = new RecordingViewer(/* keepBytes= */ false);
        terminal.attach(stuck);
        terminal.attach(keepingUp);
        type(terminal, "\n"); // its echo fills stuck; the next output would overwrite what stuck is owed
        driven.awaitDeadlineIn(TOO_SLOW);
        long held = terminal.outputBytes();

        driven.advance(TOO_SLOW.minusMillis(1));

        assertThat(stuck.tooSlow).as("full for 999 ms").hasValue(0);
        assertThat(terminal.outputBytes()).as("read while stuck is owed what the next read would overwrite").isEqualTo(held);
        assertThat(driven.deadlines()).containsExactly(Duration.ofMillis(1));

        driven.advance(Duration.ofMillis(1));

        assertThat(stuck.tooSlow).as("full for a second").hasValue(1);
        await().atMost(Exits.TIMEOUT).until(() -> keepingUp.bytes.get() > held + 20L * RING);
        assertThat(stuck.bytes.get()).isLessThan(2L * RING);
        terminal.signal(LibC.SIGTERM);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGTERM);
        assertThat(keepingUp.bytes).hasValue(terminal.outputBytes());
        assertThat(keepingUp.tooSlow).hasValue(0);
        assertThat(stuck.tooSlow).hasValue(1);
    }

    /**
     * Regression: the PTY loop had one deadline slot, so a second terminal's too-slow check
     * replaced the first's, and the first never checked again (its pending check still looked
     * taken): its live viewer was held back by the laggard for good. Reproduction: two terminals,
     * each with a viewer that never drains and one that keeps up; the second's laggard blocks
     * half a second after the first's; at the first's second nothing happened, and the first
     * terminal stayed unread however long one waited.
     */
    @Test
    void twoTerminalsEachLetTheirOwnLaggardGoASecondAfterItBlocked() throws Exception {
        Exits firstExit = new Exits();
        Exits secondExit = new Exits();
        Terminal first = driven.spawn(spec(RING, "sh", "-c", "read go; exec yes"), firstExit);
        Terminal second = driven.spawn(spec(RING, "sh", "-c", "read go; exec yes"), secondExit);
        RecordingViewer firstStuck = new RecordingViewer(/* keepBytes= */ false);
        RecordingViewer secondStuck = new RecordingViewer(/* keepBytes= */ false);
        firstStuck.full.set(true);
        secondStuck.full.set(true);
        RecordingViewer firstLive = new RecordingViewer(/* keepBytes= */ false);
        RecordingViewer secondLive = new RecordingViewer(/* keepBytes= */ false);
        first.attach(firstStuck);
        first.attach(firstLive);
        second.attach(secondStuck);
        second.attach(secondLive);
        type(first, "\n");
        driven.awaitDeadlineIn(TOO_SLOW);
        driven.advance(TOO_SLOW.dividedBy(2));
        type(second, "\n");
        driven.awaitDeadlineIn(TOO_SLOW);

        driven.advance(TOO_SLOW.dividedBy(2));

        assertThat(firstStuck.tooSlow).as("the first terminal's laggard, full for a second").hasValue(1);
        assertThat(secondStuck.tooSlow).as("the second's, full for half a second").hasValue(0);
        long firstAtTooSlow = firstLive.bytes.get();
        await().atMost(Exits.TIMEOUT).until(() -> firstLive.bytes.get() > firstAtTooSlow + 20L * RING);

        driven.advance(TOO_SLOW.dividedBy(2));

        assertThat(secondStuck.tooSlow).hasValue(1);
        long secondAtTooSlow = secondLive.bytes.get();
        await().atMost(Exits.TIMEOUT).until(() -> secondLive.bytes.get() > secondAtTooSlow + 20L * RING);
        first.signal(LibC.SIGKILL);
        second.signal(LibC.SIGKILL);
        assertThat(firstExit.await()).isEqualTo(128 + LibC.SIGKILL);
        assertThat(secondExit.await()).isEqualTo(128 + LibC.SIGKILL);
        assertThat(driven.deadlines()).as("no check left behind by terminals that are gone").isEmpty();
    }

    /** On the system clock, as {@link NativePtyHost#start()} runs in production: the loop's epoll timeout brings the check. */
    @Test
    void onTheSystemClockAViewerThatNeverDrainsIsToldTooSlowWhileAnotherKeepsReceivingEverything() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(RING, "sh", "-c", "read go; exec yes"), exits);
        RecordingViewer stuck = new RecordingViewer(/* keepBytes= */ false);
        stuck.full.set(true);
        RecordingViewer keepingUp = new RecordingViewer(/* keepBytes= */ false);
        terminal.attach(stuck);
        terminal.attach(keepingUp);
        type(terminal, "\n");

        await().atMost(Exits.TIMEOUT).until(() -> stuck.tooSlow.get() == 1);
        assertThat(terminal.alive()).isTrue();
        assertThat(stuck.bytes.get()).isLessThan(2L * RING);
        long atTooSlow = keepingUp.bytes.get();
        await().atMost(Exits.TIMEOUT).until(() -> keepingUp.bytes.get() > atTooSlow + 20L * RING);

        terminal.signal(LibC.SIGTERM);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGTERM);
        assertThat(keepingUp.bytes).hasValue(terminal.outputBytes());
        assertThat(keepingUp.tooSlow).hasValue(0);
        assertThat(stuck.tooSlow).hasValue(1);
    }

    @Test
    void aProgramOutrunningBothViewersIsReadInFullWhileOneKeepsUp() throws Exception {
        int total = 20 << 20;
        Exits exits = new Exits();
        Terminal terminal = driven.spawn(spec(RING, "sh", "-c", "read go; head -c " + total + " /dev/zero"), exits);
        RecordingViewer stuck = new RecordingViewer(/* keepBytes= */ false);
        stuck.full.set(true);
        RecordingViewer keepingUp = new RecordingViewer(/* keepBytes= */ false);
        terminal.attach(stuck);
        terminal.attach(keepingUp);
        type(terminal, "\n");
        driven.awaitDeadlineIn(TOO_SLOW);
        driven.advance(TOO_SLOW);

        assertThat(exits.await()).isZero();
        assertThat(terminal.outputBytes()).isEqualTo(total + "\r\n".length());
        assertThat(keepingUp.bytes).hasValue(terminal.outputBytes());
        assertThat(stuck.tooSlow).hasValue(1);
    }

    @Test
    void aSingleFullViewerStopsThePtyBeingReadUntilItDrains() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(RING, "sh", "-c", "read go; exec yes"), exits);
        RecordingViewer viewer = new RecordingViewer(/* keepBytes= */ false);
        viewer.full.set(true);
        terminal.attach(viewer);
        type(terminal, "\n"); // the viewer sees the whole stream, so it can be compared with outputBytes
        await().atMost(Exits.TIMEOUT).until(() -> viewer.sends.get() > 0);

        // the loop takes the master out of epoll after the first refused send
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).until(Exits.unchanged(terminal::outputBytes));
        long stalled = terminal.outputBytes();
        await().during(Duration.ofMillis(300)).atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(terminal.outputBytes()).as("output read while the only viewer is full").isEqualTo(stalled));
        assertThat(viewer.bytes.get()).isLessThanOrEqualTo(stalled);

        viewer.drain();

        await().atMost(Exits.TIMEOUT).until(() -> terminal.outputBytes() > stalled + 10 * RING);
        assertThat(viewer.tooSlow).hasValue(0);
        terminal.signal(LibC.SIGTERM);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGTERM);
        assertThat(viewer.bytes).hasValue(terminal.outputBytes());
    }

    @Test
    void aFullViewerIsCaughtUpFromTheRingWhenItDrainsWhileAnotherKeepsTheProgramRunning() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(1 << 20, "sh", "-c", "read go; seq 1 30000"), exits);
        RecordingViewer slow = new RecordingViewer();
        slow.full.set(true);
        RecordingViewer fast = new RecordingViewer();
        terminal.attach(slow);
        terminal.attach(fast);
        type(terminal, "\n");
        assertThat(exits.await()).isZero();

        slow.drain();

        await().atMost(Exits.TIMEOUT).until(() -> slow.bytes.get() == terminal.outputBytes());
        assertThat(slow.bytesReceived()).isEqualTo(fast.bytesReceived());
        assertThat(slow.tooSlow).hasValue(0);
    }

    @Test
    void inputThatPilesUpPausesItsViewerResumesItOnceDrainedAndIsRefusedBeyondOneMebibyte(@TempDir Path dir)
            throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(new TerminalSpec(List.of("sh", "-c",
                "stty raw -echo; echo ready; while [ ! -e go ]; do sleep 0.02; done; exec cat >/dev/null"),
                Exits.ENV, dir, 80, 24, RING), exits);
        RecordingViewer viewer = new RecordingViewer();
        Attachment attachment = terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("ready"));

        byte[] block = new byte[16 * 1024];
        for (int i = 0; i < 20; i++) {
            attachment.write(ByteBuffer.wrap(block));
        }
        await().atMost(Exits.TIMEOUT).until(() -> viewer.paused.get() == 1);
        assertThat(viewer.resumed).hasValue(0);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                terminal.write(ByteBuffer.wrap(block));
            }
        }).isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.TOO_LARGE))
                .hasMessageContaining("would pass the limit of 1048576");

        Files.createFile(dir.resolve("go"));

        await().atMost(Exits.TIMEOUT).until(() -> viewer.resumed.get() == 1);
        assertThat(viewer.paused).hasValue(1);
        terminal.write(ByteBuffer.wrap(block)); // accepted again
        terminal.signal(LibC.SIGKILL);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGKILL);
    }
}
