package dev.tether.pty;

import dev.tether.core.terminal.Viewer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A viewer that keeps what it receives (or only counts it) and can pretend its transport is full. */
class RecordingViewer implements Viewer {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final boolean keepBytes;
    final AtomicLong bytes = new AtomicLong();
    final AtomicInteger sends = new AtomicInteger();
    final AtomicInteger tooSlow = new AtomicInteger();
    final AtomicInteger paused = new AtomicInteger();
    final AtomicInteger resumed = new AtomicInteger();
    /** Bytes the terminal said this viewer lost (the ring had passed them). */
    final AtomicLong lost = new AtomicLong();
    /** When true, every send reports a full transport (the bytes are still accepted). */
    final AtomicBoolean full = new AtomicBoolean();
    private volatile Runnable writable;

    RecordingViewer() {
        this(true);
    }

    RecordingViewer(boolean keepBytes) {
        this.keepBytes = keepBytes;
    }

    @Override
    public boolean send(ByteBuffer output) {
        sends.incrementAndGet();
        int n = output.remaining();
        if (keepBytes) {
            byte[] copy = new byte[n];
            output.get(copy);
            synchronized (received) {
                received.write(copy, 0, n);
            }
        }
        bytes.addAndGet(n);
        return !full.get();
    }

    /** The screens it was sent ({@link Viewer#screen}), with the offset each is at. */
    final java.util.List<byte[]> screens = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.List<Long> screenOffsets = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public boolean screen(ByteBuffer snapshot, long offset) {
        byte[] copy = new byte[snapshot.remaining()];
        snapshot.get(copy);
        screens.add(copy);
        screenOffsets.add(offset);
        return !full.get();
    }

    @Override
    public void onWritable(Runnable callback) {
        writable = callback;
    }

    /** Plays the transport draining: clears "full" and calls the terminal back, as a real transport would. */
    void drain() {
        full.set(false);
        writable.run();
    }

    @Override
    public void pauseInput() {
        paused.incrementAndGet();
    }

    @Override
    public void resumeInput() {
        resumed.incrementAndGet();
    }

    @Override
    public void lost(long bytes) {
        lost.addAndGet(bytes);
    }

    @Override
    public void tooSlow() {
        tooSlow.incrementAndGet();
    }

    byte[] bytesReceived() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    String text() {
        return new String(bytesReceived(), StandardCharsets.UTF_8);
    }
}
