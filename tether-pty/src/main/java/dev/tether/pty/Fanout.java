package dev.tether.pty;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A terminal's output ring and the viewers reading it. Confined to the I/O loop.
 *
 * <p>Each chunk read goes into the ring, then to every <em>live</em> viewer. A viewer whose
 * send returns false has still accepted that chunk and is <em>blocked</em> (full). When it
 * signals writable it is caught up from the ring in slices until live again or full again.
 *
 * <p><b>Nobody loses output for being briefly full.</b> The terminal is not read while the next
 * read could overwrite output a full viewer has not been sent yet (a <em>laggard</em>): a healthy
 * client whose send window is momentarily in flight makes the others wait for it, for
 * milliseconds. A laggard that stays full for {@link #TOO_SLOW_NANOS} (on the I/O loop's clock,
 * which tests advance) while another viewer wants output is the slow one: it is detached and told
 * it is too slow, and reading resumes for the others. When every viewer is full the program
 * simply blocks, as on a real terminal; nobody is dropped for that. (An earlier rule dropped a
 * full viewer as soon as the ring passed it, which let go healthy clients whenever another client
 * still had room: BackpressureTest in the server.)
 * Viewer callbacks are guarded: a viewer whose send throws is detached.
 *
 * <p><b>Held</b> (a locked session): chunks go into the ring only, output is wanted whoever is
 * attached, nobody is sent anything, checked for loss or replayed on attach. A viewer keeps its
 * position; {@code live} then only says whether its transport will take bytes (it signalled
 * writable, or never refused any). On release each position is moved up to the ring's tail if
 * the ring has passed it — what was lost while held is skipped (the viewer is told how much), not held against it —
 * and every viewer whose transport takes bytes is caught up from there; the others are caught
 * up when they signal writable, as usual.
 */
final class Fanout {
    private static final Logger log = LoggerFactory.getLogger(Fanout.class);
    static final int SLICE = 64 * 1024;
    static final long PAUSE_INPUT_ABOVE = 64 * 1024;
    static final long RESUME_INPUT_BELOW = 16 * 1024;
    /** How long a full viewer may hold the others back before it is let go as too slow. */
    static final long TOO_SLOW_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final Ring ring;
    private final Object owner;
    /** The I/O loop's clock, which the too-slow rule is measured on. */
    private final LongSupplier nanos;
    private final List<Tap> taps = new ArrayList<>(2);
    private boolean held;

    Fanout(Ring ring, Object owner, LongSupplier nanos) {
        this.ring = ring;
        this.owner = owner;
        this.nanos = nanos;
    }

    /** Total bytes of output so far. */
    long head() {
        return ring.head();
    }

    /** The offset of the oldest byte the ring still holds. */
    long tail() {
        return ring.tail();
    }

    /**
     * Output should be read while held, while nobody is attached, or while somebody is live and no
     * full viewer would lose output it has not been sent.
     */
    boolean wantsOutput() {
        if (held || taps.isEmpty()) {
            return true;
        }
        return anyLive() && laggard() == null;
    }

    private boolean anyLive() {
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (tap.live && !tap.detached) {
                return true;
            }
        }
        return false;
    }

    /** The longest-full viewer whose unsent output the next read could overwrite, or null. */
    private Tap laggard() {
        long limit = ring.head() + EventLoop.READ_BUFFER_BYTES - ring.capacity();
        Tap oldest = null;
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (!tap.detached && !tap.live && !tap.parked && tap.position < limit && (oldest == null || tap.blockedSince - oldest.blockedSince < 0)) {
                oldest = tap;
            }
        }
        return oldest;
    }

    /**
     * When a laggard holds a live viewer back: the time on the loop's clock at which it is overdue.
     * The terminal checks again then ({@link #dropOverdue}).
     */
    OptionalLong overdueAt() {
        if (held || !anyLive()) {
            return OptionalLong.empty();
        }
        Tap laggard = laggard();
        return laggard == null ? OptionalLong.empty() : OptionalLong.of(laggard.blockedSince + TOO_SLOW_NANOS);
    }

    /** Lets go every laggard that has held a live viewer back for {@link #TOO_SLOW_NANOS} by {@code now} on the loop's clock. */
    void dropOverdue(long now) {
        Tap laggard;
        while (!held && anyLive() && (laggard = laggard()) != null && now - laggard.blockedSince >= TOO_SLOW_NANOS) {
            tooSlow(laggard);
        }
        forgetDetached();
    }

    private void block(Tap tap) {
        if (tap.live) {
            tap.blockedSince = nanos.getAsLong();
        }
        tap.live = false;
    }

    /**
     * Attaches at stream offset {@code from} and replays the ring from there as far as the viewer
     * takes it — while held, the replay waits for the release. When the ring has passed
     * {@code from} the viewer is told what it lost and replayed from the tail. Returns true when
     * the ring was replayed to a viewer still attached, so the screen should be redrawn.
     */
    boolean attach(Tap tap, long from) {
        if (tap.detached) {
            return false;
        }
        guard(tap, "onWritable", () -> tap.viewer.onWritable(tap.writable));
        taps.add(tap);
        tap.position = Math.min(from, ring.head());
        if (held) {
            tap.live = true; // nothing refused yet: replayed on release
            return false;
        }
        skipLost(tap);
        catchUp(tap, /* ignoreFull= */ false);
        forgetDetached();
        return !tap.detached;
    }

    boolean held() {
        return held;
    }

    /**
     * Attaches a viewer that waits for its screen, made at offset {@code at}: it is sent nothing and
     * holds nobody back until {@link #screenReady}. Parking a parked viewer again moves it to {@code at}.
     */
    void park(Tap tap, long at) {
        if (!taps.contains(tap)) {
            guard(tap, "onWritable", () -> tap.viewer.onWritable(tap.writable));
            taps.add(tap);
        }
        tap.parked = true;
        tap.live = false;
        tap.position = at;
    }

    /**
     * Sends a parked viewer its screen, made at its position, then what followed. Returns false,
     * leaving it parked, when the ring has passed that position meanwhile (a new screen is needed).
     */
    boolean screenReady(Tap tap, ByteBuffer snapshot) {
        if (tap.detached) {
            forgetDetached();
            return true;
        }
        if (tap.position < ring.tail()) {
            return false;
        }
        tap.parked = false;
        boolean accepted;
        try {
            accepted = tap.viewer.screen(snapshot, tap.position);
        } catch (Throwable t) {
            log.error("{}: viewer {} failed in screen; detaching it", owner, tap.viewer, t);
            tap.detached = true;
            accepted = false;
        }
        if (!tap.detached) {
            if (accepted) {
                catchUp(tap, /* ignoreFull= */ false);
            } else {
                tap.live = true; // so that block() notes when it went full
                block(tap);
            }
        }
        forgetDetached();
        return true;
    }

    /** A parked viewer whose screen cannot be made: replayed the raw ring from its tail instead. */
    void unparkRaw(Tap tap) {
        tap.parked = false;
        tap.position = ring.tail();
        if (!held && !tap.detached) {
            catchUp(tap, /* ignoreFull= */ false);
        } else {
            tap.live = true;
        }
        forgetDetached();
    }

    /** Moves a position the ring has passed up to its tail, telling the viewer how many bytes it lost. */
    private void skipLost(Tap tap) {
        long tail = ring.tail();
        if (tap.position < tail) {
            long lost = tail - tap.position;
            tap.position = tail;
            guard(tap, "lost", () -> tap.viewer.lost(lost));
        }
    }

    void detach(Tap tap) {
        taps.remove(tap);
    }

    void writable(Tap tap) {
        if (tap.detached || tap.live || tap.parked || !taps.contains(tap)) {
            return;
        }
        if (held) {
            tap.live = true; // its transport takes bytes again: caught up on release
            return;
        }
        if (tap.position < ring.tail()) {
            tooSlow(tap);
        } else {
            catchUp(tap, /* ignoreFull= */ false);
        }
        forgetDetached();
    }

    /** Appends {@code n} bytes of {@code source} and sends them to the live viewers through {@code view}, a read-only window on it. */
    void deliver(MemorySegment source, ByteBuffer view, int n) {
        ring.append(source, n);
        if (held) {
            return;
        }
        long head = ring.head();
        long tail = ring.tail();
        boolean lost = false;
        ByteBuffer chunk = null; // one copy, shared by every live viewer
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (tap.detached) {
                lost = true;
            } else if (tap.parked) {
                continue; // its screen is being made: it gets what follows with it
            } else if (tap.live) {
                tap.position = head;
                if (chunk == null) {
                    chunk = copy(view.clear().limit(n));
                }
                if (!send(tap, chunk.duplicate())) {
                    block(tap);
                }
            } else if (tap.position < tail) {
                tooSlow(tap);
                lost = true;
            }
        }
        if (lost) {
            forgetDetached();
        }
    }

    /**
     * At exit: every blocked viewer gets what it is owed, full or not (or tooSlow if the ring lost
     * it). Not while held: the viewers get the ring on release, with the usual flow control.
     */
    void flushOwed() {
        if (held) {
            return;
        }
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (tap.detached || tap.live || tap.parked) {
                continue;
            }
            if (tap.position < ring.tail()) {
                tooSlow(tap);
            } else {
                catchUp(tap, /* ignoreFull= */ true);
            }
        }
        forgetDetached();
    }

    /**
     * Holds or releases the output. A release brings every viewer to the ring's head as far as
     * its transport takes it (from the tail when the ring has passed its position). Returns
     * false when the state was {@code hold} already.
     */
    boolean hold(boolean hold) {
        if (hold == held) {
            return false;
        }
        held = hold;
        if (!hold) {
            for (int i = 0; i < taps.size(); i++) {
                Tap tap = taps.get(i);
                if (tap.detached || tap.parked) {
                    continue;
                }
                skipLost(tap);
                if (tap.live) {
                    catchUp(tap, /* ignoreFull= */ false);
                }
            }
            forgetDetached();
        }
        return true;
    }

    /** Pauses the viewers with input in a queue of more than 64 KiB; resumes them all below 16 KiB. */
    void applyInputFlowControl(long queued) {
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (queued > PAUSE_INPUT_ABOVE && !tap.inputPaused && tap.pendingInput.get() > 0 && !tap.detached) {
                tap.inputPaused = true;
                guard(tap, "pauseInput", tap.viewer::pauseInput);
            } else if (queued < RESUME_INPUT_BELOW && tap.inputPaused) {
                tap.inputPaused = false;
                guard(tap, "resumeInput", tap.viewer::resumeInput);
            }
        }
    }

    /** Sends ring[position, head) in slices until caught up (live) or, unless ignoring fullness, the viewer is full. */
    private void catchUp(Tap tap, boolean ignoreFull) {
        while (tap.position < ring.head()) {
            ByteBuffer slice = copy(ring.slice(tap.position, SLICE));
            int length = slice.remaining();
            boolean accepted = send(tap, slice);
            if (tap.detached) {
                return;
            }
            tap.position += length;
            if (!accepted && !ignoreFull) {
                block(tap);
                return;
            }
        }
        tap.live = true;
    }

    /** A copy that never changes, so viewers may keep it without copying it again (see {@link Viewer#send}). */
    private static ByteBuffer copy(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return ByteBuffer.wrap(copy);
    }

    private boolean send(Tap tap, ByteBuffer chunk) {
        try {
            return tap.viewer.send(chunk);
        } catch (Throwable t) {
            log.error("{}: viewer {} failed in send; detaching it", owner, tap.viewer, t);
            tap.detached = true;
            tap.live = false;
            return false;
        }
    }

    private void tooSlow(Tap tap) {
        tap.detached = true;
        tap.live = false;
        guard(tap, "tooSlow", tap.viewer::tooSlow);
    }

    private void forgetDetached() {
        taps.removeIf(tap -> tap.detached);
    }

    private void guard(Tap tap, String callback, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            log.error("{}: viewer {} failed in {}", owner, tap.viewer, callback, t);
        }
    }
}
