package dev.tether.pty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the signals terminals are asked for, in batches: one pass over /proc serves every signal
 * requested before the pass began, so closing a thousand sessions at once costs a few passes
 * instead of a thousand (measured: 11.6 s for 1,000 closes with a pass each). Every signal still
 * sees a pass taken after it was requested, so no process forked before the request is missed.
 * Runs on its own thread, never on the I/O loop.
 */
final class Signaller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Signaller.class);

    private record Pending(PtyTerminal terminal, int signal) {
    }

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /**
     * Where signals go instead of kill(2) when this process may not signal the programs (a server
     * that dropped to its own account while a root keeper starts log-ons of other accounts); null:
     * this process signals them itself.
     */
    private volatile KeeperLink viaKeeper;

    /** Sends every later signal through {@code keeper}, which finds the session's other processes itself. */
    void throughKeeper(KeeperLink keeper) {
        viaKeeper = keeper;
    }
    private final AtomicBoolean draining = new AtomicBoolean();
    private final ExecutorService thread =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("tether-pty-signals").daemon().factory());

    void submit(PtyTerminal terminal, int signal) {
        queue.add(new Pending(terminal, signal));
        if (draining.compareAndSet(false, true)) {
            try {
                thread.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                draining.set(false); // the host is closed: its terminals are being hung up anyway
            }
        }
    }

    private void drain() {
        while (true) {
            var batch = new ArrayList<Pending>();
            for (Pending p; (p = queue.poll()) != null; ) {
                batch.add(p);
            }
            if (batch.isEmpty()) {
                draining.set(false);
                // A submit may have queued after the poll and seen draining still true: take it on.
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            KeeperLink keeper = viaKeeper;
            if (keeper != null) {
                batch.forEach(p -> keeper.signal((int) p.terminal().pid(), p.signal()));
                continue;
            }
            try {
                Set<Integer> sessions = batch.stream().map(p -> (int) p.terminal().pid()).collect(Collectors.toSet());
                Map<Integer, List<Integer>> others = SessionScan.outsideLeaderGroup(sessions);
                for (Pending p : batch) {
                    p.terminal().signal(p.signal(), others.getOrDefault((int) p.terminal().pid(), List.of()));
                }
            } catch (RuntimeException e) {
                log.error("sending {} signals failed", batch.size(), e);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
