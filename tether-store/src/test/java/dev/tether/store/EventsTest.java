package dev.tether.store;

import static dev.tether.store.Fixtures.T0;
import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.SessionState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "Event: a durable record of something that happened; monotonically increasing id; streamable and resumable." */
class EventsTest {
    @TempDir
    Path dir;
    SqliteStore store;

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("tether.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void appendedEventsGetIncreasingIdsStartingAtOne() {
        List<Long> ids = await(store.write(tx -> List.of(
                tx.append(event("A", null, Map.of())).id(),
                tx.append(event("B", null, Map.of())).id())));
        long next = await(store.write(tx -> tx.append(event("C", null, Map.of())).id()));

        assertThat(ids).containsExactly(1L, 2L);
        assertThat(next).isEqualTo(3L);
    }

    @Test
    void onCommitListenersSeeEveryEventExactlyOnceInIdOrderBeforeTheWriteFuturesComplete() throws Exception {
        List<EventRecord> seen = Collections.synchronizedList(new ArrayList<>());
        Set<Long> seenIds = ConcurrentHashMap.newKeySet();
        store.onCommit(events -> {
            seen.addAll(events);
            events.forEach(e -> seenIds.add(e.id()));
        });
        ConcurrentLinkedQueue<CompletableFuture<Boolean>> announcedFirst = new ConcurrentLinkedQueue<>();
        int threads = 4;
        int perThread = 250;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        CompletableFuture<List<EventRecord>> write = store.write(tx -> List.of(
                                tx.append(event("StateNoted", 1L, Map.of("to", "DISCONNECTED"))),
                                tx.append(event("ConnectionClosed", 1L, Map.of()))));
                        // Runs when the future completes: by then the listener must have seen both events.
                        announcedFirst.add(write.thenApply(events -> seenIds.contains(events.get(0).id())
                                && seenIds.contains(events.get(1).id())));
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }
        CompletableFuture.allOf(announcedFirst.toArray(CompletableFuture[]::new)).join();

        assertThat(announcedFirst).allMatch(CompletableFuture::resultNow);
        long total = 2L * threads * perThread;
        assertThat(seen).extracting(EventRecord::id).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    }

    @Test
    void eventsPagesByAfterIdAndLimit() {
        await(store.write(tx -> {
            for (int i = 1; i <= 25; i++) {
                tx.append(event("Tick", null, Map.of("i", i)));
            }
            return null;
        }));

        List<List<Long>> pages = new ArrayList<>();
        long after = 0;
        while (true) {
            long from = after;
            List<EventRecord> page = await(store.read(tx -> tx.events(from, 10)));
            if (page.isEmpty()) {
                break;
            }
            pages.add(page.stream().map(EventRecord::id).toList());
            after = page.getLast().id();
        }

        assertThat(pages).containsExactly(
                LongStream.rangeClosed(1, 10).boxed().toList(),
                LongStream.rangeClosed(11, 20).boxed().toList(),
                LongStream.rangeClosed(21, 25).boxed().toList());
        List<EventRecord> none = await(store.read(tx -> tx.events(0, 0)));
        assertThat(none).isEmpty();
    }

    @Test
    void lastEventIdIsZeroWithoutEventsAndThenTheIdOfTheLastAppended() {
        long before = await(store.read(tx -> tx.lastEventId()));
        await(store.write(tx -> {
            tx.append(event("A", null, Map.of()));
            return tx.append(event("B", null, Map.of()));
        }));
        long after = await(store.read(tx -> tx.lastEventId()));
        long insideTheWrite = await(store.write(tx -> {
            tx.append(event("C", null, Map.of()));
            return tx.lastEventId();
        }));

        assertThat(before).isZero();
        assertThat(after).isEqualTo(2);
        assertThat(insideTheWrite).as("a write sees its own appends").isEqualTo(3);
    }

    /** GET /server shows a user the last event they may see: the newest with their name, not the newest of all. */
    @Test
    void theLastEventIdOfAUserIsTheirNewestEvent_andZeroWhenTheyHaveNone() {
        await(store.write(tx -> {
            tx.append(new EventRecord(T0, null, "ann", new Event.Unknown("A", Map.of())));
            tx.append(new EventRecord(T0, null, "bob", new Event.Unknown("B", Map.of())));
            tx.append(new EventRecord(T0, null, "ann", new Event.Unknown("C", Map.of())));
            return tx.append(new EventRecord(T0, null, "bob", new Event.Unknown("D", Map.of())));
        }));

        long ann = await(store.read(tx -> tx.lastEventId("ann")));
        long bob = await(store.read(tx -> tx.lastEventId("bob")));
        long nobody = await(store.read(tx -> tx.lastEventId("cid")));

        assertThat(ann).isEqualTo(3);
        assertThat(bob).isEqualTo(4);
        assertThat(nobody).isZero();
    }

    @Test
    void eventDataOfStringsNumbersBooleansListsAndMapsRoundTrips() {
        Map<String, Object> data = Map.of(
                "reason", "idle limit",
                "count", 3,
                "big", 5_000_000_000L,
                "ratio", 0.25,
                "locked", true,
                "ids", List.of(1, 2, 3),
                "target", Map.of("id", 7, "description", "session 7 (alice, bash)"));
        EventRecord appended = await(store.write(tx -> tx.append(new EventRecord(T0, 7L, "alice", new Event.Unknown("SessionNoted", data)))));

        List<EventRecord> read = await(store.read(tx -> tx.events(0, 10)));

        assertThat(read).containsExactly(appended);
        assertThat(read.getFirst().at()).isEqualTo(T0);
        assertThat(read.getFirst().sessionId()).isEqualTo(7L);
    }

    @Test
    void aKnownEventTypeIsReadBackAsItsRecord_withNullsAndEnumsIntact() {
        var closed = new Event.SessionClosed(SessionState.ACTIVE, SessionState.CLOSED, null, "server crashed", "system");
        var attached = new Event.ClientAttached(5, null, "::1", 1, "alice");
        await(store.write(tx -> List.of(tx.append(new EventRecord(T0, 7L, "alice", closed)),
                tx.append(new EventRecord(T0, 7L, "alice", attached)))));

        List<EventRecord> read = await(store.read(tx -> tx.events(0, 10)));

        assertThat(read).extracting(EventRecord::data).containsExactly(closed, attached);
        assertThat(read).extracting(EventRecord::type).containsExactly("SessionClosed", "ClientAttached");
    }

    @Test
    void anEventWithoutASessionKeepsANullSessionId() {
        await(store.write(tx -> tx.append(event("ServerNoted", null, Map.of()))));
        List<EventRecord> read = await(store.read(tx -> tx.events(0, 10)));
        assertThat(read.getFirst().sessionId()).isNull();
    }
}
