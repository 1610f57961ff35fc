package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Terminal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loop survives bad callbacks, and closing the host ends every program. */
class RobustnessTest {

    /** A viewer whose every callback throws. */
    private static final class ThrowingViewer extends RecordingViewer {
        @Override
        public boolean send(ByteBuffer output) {
            super.send(output);
            throw new IllegalStateException("send exploded (on purpose)");
        }

        @Override
        public void onWritable(Runnable callback) {
            throw new IllegalStateException("onWritable exploded (on purpose)");
        }
    }

    @Test
    void callbacksThatThrowDoNotStopTheLoopAndOtherViewersAndSessionsKeepWorking() throws Exception {
        try (NativePtyHost host = NativePtyHost.start()) {
            CompletableFuture<Integer> badExit = new CompletableFuture<>();
            Terminal bad = host.spawn(spec("sh", "-c", "read go; echo one; read go; echo two; exit 4"), code -> {
                badExit.complete(code);
                throw new IllegalStateException("exited exploded (on purpose)");
            });
            ThrowingViewer thrower = new ThrowingViewer();
            RecordingViewer bystander = new RecordingViewer();
            bad.attach(thrower);
            bad.attach(bystander);
            bad.write(ByteBuffer.wrap("\n".getBytes()));
            await().atMost(Exits.TIMEOUT).until(() -> bystander.text().contains("one\r\n"));
            bad.write(ByteBuffer.wrap("\n".getBytes()));
            assertThat(badExit.get(10, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(bystander.text()).contains("two\r\n");
            assertThat(thrower.sends).as("the thrower is detached after its first failure").hasValue(1);

            Exits exits = new Exits();
            Terminal good = host.spawn(spec("echo", "still alive"), exits);
            RecordingViewer viewer = new RecordingViewer();
            good.attach(viewer);
            assertThat(exits.await()).isZero();
            await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals("still alive\r\n"));
        }
    }

    @Test
    void closingTheHostHangsUpEveryProgramKillsThoseThatIgnoreItForASecondAndStopsTheLoop() throws Exception {
        long loopsBefore = loopThreads();
        DrivenHost driven = new DrivenHost().start();
        NativePtyHost host = driven.host();
        assertThat(loopThreads()).isEqualTo(loopsBefore + 1);
        Exits polite = new Exits();
        host.spawn(spec("sleep", "1000"), polite);
        Exits stubborn = new Exits();
        Terminal ignoring = host.spawn(spec("sh", "-c", "trap '' HUP; echo armed; sleep 1000"), stubborn);
        RecordingViewer viewer = new RecordingViewer();
        ignoring.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("armed"));

        CompletableFuture<Void> closing = CompletableFuture.runAsync(host::close);

        assertThat(polite.await()).isEqualTo(128 + LibC.SIGHUP);
        driven.awaitDeadlineIn(Duration.ofSeconds(1));
        driven.advance(Duration.ofMillis(999));
        assertThat(driven.deadlines()).as("the SIGKILL grace, not run yet").containsExactly(Duration.ofMillis(1));
        assertThat(stubborn.code).isNotDone();
        assertThat(closing).isNotDone();
        driven.advance(Duration.ofMillis(1));
        assertThat(stubborn.await()).isEqualTo(128 + LibC.SIGKILL);
        closing.get(Exits.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(loopThreads()).isEqualTo(loopsBefore);
        host.close(); // idempotent
        assertThatThrownBy(() -> host.spawn(spec("true"), new Exits()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_STATE));
    }

    private static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tether-pty-loop") && t.isAlive())
                .count();
    }
}
