package dev.tether.client;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Events as a blocking iterator, in id order, each exactly once (see {@link EventFeed} for how a dropped
 * connection is resumed). {@link #hasNext()} blocks until an event arrives; it returns false when a
 * non-following stream has delivered every stored event, or after {@link #close()}; it throws
 * {@link TetherException} when the stream fails and cannot be resumed.
 *
 * <p>At most {@value #BUFFERED} events wait in memory; beyond that the reader stops reading the socket.
 */
public final class EventStream implements Iterator<EventRecord>, AutoCloseable {
    static final int BUFFERED = 256;

    private sealed interface Item permits Event, End, Failure {
    }

    private record Event(EventRecord event) implements Item {
    }

    private record End() implements Item {
    }

    private record Failure(TetherException error) implements Item {
    }

    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(BUFFERED);
    private final EventFeed feed;
    private Item next;
    private boolean finished;
    private volatile boolean closed;

    EventStream(Http http, long since, boolean follow, ScheduledExecutorService watchdog) {
        this.feed = new EventFeed(http, since, follow, new EventFeed.Sink() {
            @Override
            public void event(EventRecord event) throws InterruptedException {
                queue.put(new Event(event));
            }

            @Override
            public void end() {
                queue.offer(new End());
            }

            @Override
            public void error(TetherException error) {
                queue.offer(new Failure(error));
            }
        }, watchdog);
        feed.start("tether-events");
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (finished || closed) {
            return false;
        }
        Item item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while waiting for events");
        }
        return switch (item) {
            case Event e -> {
                next = e;
                yield true;
            }
            case End end -> {
                finished = true;
                yield false;
            }
            case Failure f -> {
                finished = true;
                throw f.error();
            }
        };
    }

    @Override
    public EventRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the event stream has ended");
        }
        EventRecord event = ((Event) next).event();
        next = null;
        return event;
    }

    /** The id of the last event handed to this iterator's reader (resume from here with {@code since}). */
    public long lastEventId() {
        return feed.position();
    }

    /** Stops the stream; a {@link #hasNext()} blocked in another thread returns false. */
    @Override
    public void close() {
        closed = true;
        feed.close();
        queue.clear();
        queue.offer(new End());
    }
}
