package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Input on its way to one PTY: copies offered from any thread, written by the I/O loop in
 * gathered non-blocking writes (a short input that finds the queue empty skips it: see
 * {@code PtyTerminal.writeNow}). Bounded at {@link #LIMIT} bytes; each byte is accounted to the
 * viewer it came from until it is written or discarded.
 */
final class InputQueue {
    static final long LIMIT = 1 << 20;

    private record Input(byte[] bytes, Tap from) {
    }

    private final AtomicLong queued = new AtomicLong();
    private final Queue<Input> inputs = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Bytes of the head input already written. Loop only. */
    private int headWritten;

    /**
     * Copies {@code input}'s remaining bytes, leaving its position alone. Any thread.
     *
     * @return true when the caller must schedule a flush on the loop (none is pending)
     * @throws TetherException TOO_LARGE when the queue would pass {@link #LIMIT}
     */
    boolean offer(ByteBuffer input, Tap from, Object target) {
        int n = input.remaining();
        long total = queued.addAndGet(n);
        if (total > LIMIT) {
            queued.addAndGet(-n);
            throw new TetherException(ResultCode.TOO_LARGE, "input for " + target + " refused: " + (total - n)
                    + " bytes are already queued and " + n + " more would pass the limit of " + LIMIT);
        }
        byte[] copy = new byte[n];
        input.get(input.position(), copy);
        if (from != null) {
            from.pendingInput.addAndGet(n);
        }
        inputs.add(new Input(copy, from));
        return flushScheduled.compareAndSet(false, true);
    }

    /** The scheduled flush has started: input offered from now on schedules another. Loop only. */
    void flushStarted() {
        flushScheduled.set(false);
    }

    long queued() {
        return queued.get();
    }

    /**
     * Writes until the queue is empty or the PTY is full, gathering small inputs through
     * {@code buffer}. Loop only.
     *
     * @return 0 when everything was written, -EAGAIN when the PTY is full, or another -errno
     *     (the caller should {@link #discard()}: the PTY will not take input any more)
     */
    long writeTo(int fd, MemorySegment buffer, MemorySegment errno) {
        while (!inputs.isEmpty()) {
            int length = 0;
            int skip = headWritten;
            for (Input input : inputs) {
                int n = Math.min(input.bytes.length - skip, (int) buffer.byteSize() - length);
                MemorySegment.copy(input.bytes, skip, buffer, JAVA_BYTE, length, n);
                length += n;
                skip = 0;
                if (length == buffer.byteSize()) {
                    break;
                }
            }
            long written = LibC.write(errno, fd, buffer, length);
            if (written > 0) {
                consume((int) written);
            } else if (written != -LibC.EINTR) {
                return written;
            }
        }
        return 0;
    }

    private void consume(int n) {
        queued.addAndGet(-n);
        while (n > 0) {
            Input head = inputs.peek();
            int k = Math.min(head.bytes.length - headWritten, n);
            headWritten += k;
            n -= k;
            if (head.from != null) {
                head.from.pendingInput.addAndGet(-k);
            }
            if (headWritten == head.bytes.length) {
                inputs.poll();
                headWritten = 0;
            }
        }
    }

    /** Drops everything queued. Loop only. */
    void discard() {
        for (Input input; (input = inputs.poll()) != null; ) {
            int left = input.bytes.length - headWritten;
            headWritten = 0;
            queued.addAndGet(-left);
            if (input.from != null) {
                input.from.pendingInput.addAndGet(-left);
            }
        }
    }
}
