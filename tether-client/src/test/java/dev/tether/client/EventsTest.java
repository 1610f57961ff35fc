package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionInfo;
import dev.tether.api.TetherException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The event log over Server-Sent Events: since N, follow, and resuming a dropped stream. */
class EventsTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("events-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    static List<EventRecord> stored(long since) {
        var events = new ArrayList<EventRecord>();
        try (EventStream stream = tether.events().stream(since, false)) {
            stream.forEachRemaining(events::add);
        }
        return events;
    }

    static long lastId() {
        List<EventRecord> all = stored(0);
        return all.isEmpty() ? 0 : all.getLast().id();
    }

    @Test
    void storedEventsSinceNArriveInIdOrderAndTheStreamEnds() {
        SessionInfo s = tether.sessions().create(NewSession.of("sleep", "60"));

        List<EventRecord> all = stored(0);

        assertThat(all).isNotEmpty();
        assertThat(all).extracting(EventRecord::id).isSorted().doesNotHaveDuplicates();
        assertThat(all).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo("SessionCreated");
            assertThat(e.sessionId()).isEqualTo(s.id());
        });
        long cut = all.get(all.size() - 2).id();
        assertThat(stored(cut)).extracting(EventRecord::id).containsExactly(all.getLast().id());
    }

    @Test
    void aFollowingSubscriptionHearsNewEventsAsTheyHappen() {
        var heard = new CopyOnWriteArrayList<EventRecord>();
        try (Subscription subscription = tether.events().subscribe(heard::add, lastId())) {
            SessionInfo s = tether.sessions().create(NewSession.of("sleep", "60"));

            await().until(() -> heard.stream().anyMatch(e -> e.type().equals("SessionCreated") && s.id() == e.sessionId()));
            assertThat(subscription.lastEventId()).isEqualTo(heard.getLast().id());
        }
    }

    @Test
    void aDroppedStreamResumesWithLastEventIdLosingAndRepeatingNothing() throws Exception {
        long since = lastId();
        var heard = new CopyOnWriteArrayList<EventRecord>();
        try (var proxy = new DroppingProxy(server.url());
             var viaProxy = TetherClient.connect(proxy.url(), server.adminToken())) {
            EventStream stream = viaProxy.events().stream(since, true);
            Thread reader = Thread.ofVirtual().start(() -> stream.forEachRemaining(heard::add));
            SessionInfo before = tether.sessions().create(NewSession.of("sleep", "60"));
            await().until(() -> heard.stream().anyMatch(e -> before.id() == nullToZero(e.sessionId())));

            proxy.dropAll();
            List<Long> during = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                during.add(tether.sessions().create(NewSession.of("sleep", "60")).id());
            }
            await().until(() -> heard.stream().filter(e -> e.type().equals("SessionCreated"))
                    .map(EventRecord::sessionId).toList().containsAll(during));

            List<Long> expected = stored(since).stream().map(EventRecord::id).filter(id -> id <= heard.getLast().id()).toList();
            assertThat(heard).extracting(EventRecord::id).containsExactlyElementsOf(expected);
            assertThat(proxy.accepted.get()).as("the stream was reconnected").isGreaterThanOrEqualTo(2);
            stream.close();
            assertThat(reader.join(java.time.Duration.ofSeconds(2))).as("close wakes a blocked reader").isTrue();
        }
    }

    @Test
    void aSubscriptionResumesAfterTheStreamIsCut_withoutLossOrDuplicates_andCloseStopsIt() throws Exception {
        long since = lastId();
        var heard = new CopyOnWriteArrayList<EventRecord>();
        try (var proxy = new DroppingProxy(server.url());
             var viaProxy = TetherClient.connect(proxy.url(), server.adminToken())) {
            Subscription subscription = viaProxy.events().subscribe(heard::add, since);
            SessionInfo before = tether.sessions().create(NewSession.of("sleep", "60"));
            await().until(() -> heard.stream().anyMatch(e -> before.id() == nullToZero(e.sessionId())));

            for (int cut = 0; cut < 2; cut++) {
                proxy.dropAll();
                tether.sessions().create(NewSession.of("sleep", "60"));
            }
            SessionInfo last = tether.sessions().create(NewSession.of("sleep", "60"));
            await().until(() -> heard.stream().anyMatch(e -> e.type().equals("SessionCreated") && last.id() == nullToZero(e.sessionId())));

            List<Long> expected = stored(since).stream().map(EventRecord::id).filter(id -> id <= heard.getLast().id()).toList();
            assertThat(heard).extracting(EventRecord::id).containsExactlyElementsOf(expected);
            assertThat(proxy.accepted.get()).as("the stream was reconnected").isGreaterThanOrEqualTo(2);

            subscription.close();
            subscription.done().get(2, java.util.concurrent.TimeUnit.SECONDS);
            int count = heard.size();
            tether.sessions().create(NewSession.of("sleep", "60"));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(heard).as("nothing is heard after close").hasSize(count));
        }
    }

    @Test
    void aStreamFromAServerThatIsDownFailsAtOnce() {
        try (var nowhere = TetherClient.connect(URI.create("http://127.0.0.1:" + TestServer.freePort()), "t");
             EventStream stream = nowhere.events().stream(0, true)) {
            assertThatThrownBy(stream::hasNext)
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.SERVER_UNREACHABLE));
        }
    }

    private static long nullToZero(Long value) {
        return value == null ? 0 : value;
    }
}
