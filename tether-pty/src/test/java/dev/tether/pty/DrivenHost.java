package dev.tether.pty;

import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.TerminalSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PTY host whose loop measures time on a clock that stands still until {@link #advance}:
 * the too-slow rule and the shutdown graces fall due when a test says so, and {@link #advance}
 * returns once the loop has run what fell due. A test waits (Awaitility) only for a deadline to
 * be taken ({@link #hasDeadlineIn}), then advances. For a test class
 * ({@code @RegisterExtension static final DrivenHost host = new DrivenHost();}) or for one test
 * ({@link #start}).
 */
final class DrivenHost implements BeforeAllCallback, AfterAllCallback {
    /** Just short of where a long wraps: the loop must compare differences of its clock, never values, as with nanoTime. */
    private final AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - TimeUnit.MILLISECONDS.toNanos(500));
    private NativePtyHost host;

    DrivenHost start() {
        host = NativePtyHost.start(nanos::get);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    /** Closes the host, moving time on past the graces for programs still running. */
    @Override
    public void afterAll(ExtensionContext context) {
        CompletableFuture<Void> closing = CompletableFuture.runAsync(host::close);
        await().atMost(Exits.TIMEOUT).until(() -> {
            if (!closing.isDone()) {
                advance(Duration.ofSeconds(1));
            }
            return closing.isDone();
        });
    }

    NativePtyHost host() {
        return host;
    }

    Terminal spawn(TerminalSpec spec, TerminalListener listener) {
        return host.spawn(spec, listener);
    }

    /** Moves the loop's clock by {@code d}; returns once the loop has run every deadline due by then. */
    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        host.runDueDeadlines();
    }

    /** Waits until the loop has taken a deadline exactly {@code d} from now. */
    void awaitDeadlineIn(Duration d) {
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Exits.TIMEOUT)
                .until(() -> hasDeadlineIn(d));
    }

    /** Whether the loop has a deadline pending exactly {@code d} from now. */
    boolean hasDeadlineIn(Duration d) {
        return deadlines().contains(d);
    }

    /** The loop's pending deadlines, as offsets from now, soonest first. */
    List<Duration> deadlines() {
        long now = nanos.get();
        return host.deadlines().stream().map(at -> Duration.ofNanos(at - now)).toList();
    }
}
