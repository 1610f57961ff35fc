package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several clients of different sizes (issue 12 §4): the session's size follows the client that was
 * active last — it attached, resized or typed — as tmux's {@code window-size latest}, and the
 * others are told the new size.
 */
class SizeFollowsTheActiveClientTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    static int[] size(long id) {
        var s = server.get("/sessions/" + id).body();
        return new int[] {s.path("cols").asInt(), s.path("rows").asInt()};
    }

    @Test
    void theSizeFollowsTheClientThatTypedLast_andTheOthersAreToldIt() {
        long id = server.shell("exec cat > /dev/null");
        var big = TestTerminal.open(server.server.url(), server.token, id, "cols=120&rows=40");
        big.control("screen");
        var small = TestTerminal.open(server.server.url(), server.token, id, "cols=80&rows=24");
        small.control("screen");
        assertThat(size(id)).as("the last to attach").containsExactly(80, 24);

        big.type("x");
        await().atMost(Duration.ofSeconds(10)).until(() -> size(id)[0] == 120);
        assertThat(size(id)).containsExactly(120, 40);
        var told = small.control("resize");
        assertThat(told.path("cols").asInt()).isEqualTo(120);

        small.type("y");
        await().atMost(Duration.ofSeconds(10)).until(() -> size(id)[0] == 80);
        assertThat(size(id)).containsExactly(80, 24);

        var viewer = TestTerminal.open(server.server.url(), server.token, id, "mode=view&cols=200&rows=60");
        viewer.control("screen");
        viewer.type("z");
        viewer.control("error");
        assertThat(size(id)).as("a viewer sizes nothing").containsExactly(80, 24);
    }
}
