package dev.tether.pty;

import dev.tether.core.terminal.ScreenCapture;
import dev.tether.term.Emulator;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The screen model of one terminal (issue 12): what a terminal that saw the terminal's whole
 * output shows, for an attach (a snapshot, not raw bytes), the screen API and thumbnails.
 *
 * <p><b>It costs nothing until the ring wraps.</b> A session whose output never filled its ring
 * has no emulator: a capture emulates the ring from its start. Before an append pushes bytes out
 * of the ring, the I/O loop copies them (half a ring at a time) and hands them to this terminal's
 * <em>checkpoint</em> emulator, which a worker thread feeds; so the checkpoint is the screen at
 * the offset the ring's content starts from, and a capture copies it and emulates what the ring
 * holds after it. Emulation never runs on the I/O loop, which only copies bytes. Resizes are
 * markers at the offset they happened, applied in stream order.
 *
 * <p><b>Bounded.</b> Bytes handed over and not yet emulated are counted; above
 * {@link #MAX_BACKLOG} the terminal stops reading its PTY until the worker has caught up (only
 * output that outruns the emulator, such as {@code yes}, ever meets this). The checkpoint's
 * scrollback holds at most as many bytes as the ring.
 *
 * <p>Loop-confined but for {@link #capture}'s and the batches' work, which runs on a worker, one
 * task of this terminal at a time, in order.
 */
final class ScreenModel {
    static final long MAX_BACKLOG = 8L << 20;
    private static final ExecutorService WORKERS = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2), new java.util.concurrent.ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "tether-screen-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });

    /** A piece of the stream for the emulator: bytes, or (bytes null) a resize. */
    private record Piece(byte[] bytes, int cols, int rows) {
    }

    private final int scrollbackBytes;
    private final Executor serial;
    private final Runnable caughtUp;
    /** Stream offset up to which bytes went to the checkpoint. Loop only. */
    private long handed;
    /** Resizes after {@link #handed}: {offset, cols, rows}. Loop only. */
    private final List<long[]> resizes = new ArrayList<>();
    /** The size where the emulation starts (every later size is a resize marker). */
    private final int startCols;
    private final int startRows;
    private final AtomicLong backlog = new AtomicLong();
    /** Worker only, one task at a time. */
    private Emulator checkpoint;

    /**
     * @param handedFrom the offset the ring starts from (the stream before it is unknown: an adopted
     *     session's)
     * @param caughtUp run (on a worker) when the backlog falls back under {@link #MAX_BACKLOG}
     */
    ScreenModel(int cols, int rows, int scrollbackBytes, long handedFrom, Runnable caughtUp) {
        this.startCols = Math.min(4096, cols);
        this.startRows = Math.min(4096, rows);
        this.scrollbackBytes = scrollbackBytes;
        this.handed = handedFrom;
        this.caughtUp = caughtUp;
        this.serial = new SerialExecutor(WORKERS);
    }

    /** Whether the emulator is so far behind that the PTY should not be read. Any thread. */
    boolean behind() {
        return backlog.get() > MAX_BACKLOG;
    }

    /** The window size changes at the current head. Loop only. */
    void resized(long head, int newCols, int newRows) {
        resizes.add(new long[] {head, newCols, newRows});
    }

    /**
     * Before {@code n} bytes of {@code source} are appended to {@code ring}: hands the bytes the
     * append pushes out of the ring (and, so as not to do this for every read, up to half a ring
     * more) to the checkpoint. Loop only.
     */
    void beforeAppend(Ring ring, MemorySegment source, int n) {
        long head = ring.head();
        long dropTo = head + n - ring.capacity(); // bytes before this are gone once the append is done
        if (dropTo <= handed) {
            return;
        }
        long from = Math.max(handed, ring.tail());
        long to = Math.max(dropTo, Math.min(head, from + ring.capacity() / 2));
        var pieces = new ArrayList<Piece>();
        long at = from;
        for (long[] r : takeResizes(to)) {
            at = copy(ring, source, head, at, r[0], pieces);
            pieces.add(new Piece(null, (int) r[1], (int) r[2]));
        }
        copy(ring, source, head, at, to, pieces);
        handed = to;
        long bytes = pieces.stream().mapToLong(p -> p.bytes() == null ? 0 : p.bytes().length).sum();
        backlog.addAndGet(bytes);
        serial.execute(() -> {
            if (checkpoint == null) {
                checkpoint = new Emulator(startCols, startRows, scrollbackBytes);
            }
            feed(checkpoint, pieces);
            if (backlog.addAndGet(-bytes) <= MAX_BACKLOG && backlog.get() + bytes > MAX_BACKLOG) {
                caughtUp.run();
            }
        });
    }

    /** Adds ring[from, to) (and, past the head, the source's bytes) to {@code pieces}; returns {@code to}. */
    private static long copy(Ring ring, MemorySegment source, long head, long from, long to, List<Piece> pieces) {
        if (to <= from) {
            return from;
        }
        byte[] out = new byte[(int) (to - from)];
        int filled = 0;
        long at = from;
        while (at < Math.min(to, head)) {
            ByteBuffer slice = ring.slice(at, (int) Math.min(Integer.MAX_VALUE, Math.min(to, head) - at));
            int k = slice.remaining();
            slice.get(out, filled, k);
            filled += k;
            at += k;
        }
        if (at < to) { // bytes of this very append that the ring will never hold
            MemorySegment.copy(source, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, out, filled, (int) (to - at));
        }
        pieces.add(new Piece(out, 0, 0));
        return to;
    }

    /** Removes and returns the resizes at or before {@code to}. */
    private List<long[]> takeResizes(long to) {
        var taken = new ArrayList<long[]>();
        while (!resizes.isEmpty() && resizes.getFirst()[0] <= to) {
            taken.add(resizes.removeFirst());
        }
        return taken;
    }

    private static void feed(Emulator e, List<Piece> pieces) {
        for (Piece p : pieces) {
            if (p.bytes() == null) {
                e.resize(Math.min(4096, p.cols()), Math.min(4096, p.rows()));
            } else {
                e.feed(p.bytes());
            }
        }
    }

    /**
     * The screen at the ring's head now, rendered by {@code render} on a worker: the checkpoint's
     * copy (or a new emulator) fed what the ring holds after it. Loop only (it copies the ring).
     *
     * @return the offset the screen is at, and the rendering
     */
    <T> CompletableFuture<T> capture(Ring ring, Function<Emulator, T> render) {
        long head = ring.head();
        long from = Math.max(handed, ring.tail());
        var pieces = new ArrayList<Piece>();
        long at = from;
        for (long[] r : resizes) {
            if (r[0] > head) {
                break;
            }
            at = copy(ring, MemorySegment.NULL, head, at, Math.max(at, r[0]), pieces);
            pieces.add(new Piece(null, (int) r[1], (int) r[2]));
        }
        copy(ring, MemorySegment.NULL, head, at, head, pieces);
        var result = new CompletableFuture<T>();
        serial.execute(() -> {
            try {
                Emulator e = checkpoint != null ? checkpoint.copy() : new Emulator(startCols, startRows, scrollbackBytes);
                feed(e, pieces);
                result.complete(render.apply(e));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** A capture as the port gives it. */
    static ScreenCapture captured(Emulator e, long offset, ScreenCapture.Request request) {
        int lines = request.scrollback() < 0 ? e.scrollbackLines() : Math.min(request.scrollback(), e.scrollbackLines());
        List<String> all = List.of((request.ansi() ? e.ansi(lines) : e.text(lines)).split("\n", -1)); // and a last empty one
        List<String> scrollback = all.subList(0, lines);
        List<String> screen = all.subList(lines, lines + e.rows());
        var m = e.modes();
        Map<String, Object> modes = new LinkedHashMap<>();
        modes.put("appCursor", m.appCursor());
        modes.put("appKeypad", m.appKeypad());
        modes.put("bracketedPaste", m.bracketedPaste());
        modes.put("mouse", m.mouse());
        modes.put("mouseEncoding", m.mouseEncoding());
        modes.put("focus", m.focus());
        modes.put("origin", m.origin());
        modes.put("autowrap", m.autowrap());
        modes.put("insert", m.insert());
        modes.put("cursorStyle", m.cursorStyle());
        modes.put("scrollTop", m.scrollTop());
        modes.put("scrollBottom", m.scrollBottom());
        return new ScreenCapture(offset, e.cols(), e.rows(), e.cursorRow(), e.cursorCol(), m.cursorVisible(), e.alternateScreen(),
                e.title(), modes, scrollback, screen, request.svg() ? e.svg() : null);
    }

    /** Runs tasks one at a time, in order, on a shared pool. */
    private static final class SerialExecutor implements Executor {
        private final Executor pool;
        private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
        private boolean running;

        SerialExecutor(Executor pool) {
            this.pool = pool;
        }

        @Override
        public synchronized void execute(Runnable task) {
            queue.add(task);
            if (!running) {
                running = true;
                pool.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = queue.poll();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (Throwable t) {
                    org.slf4j.LoggerFactory.getLogger(ScreenModel.class).error("a screen model task failed", t);
                }
            }
        }
    }
}
