package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A call either does all it accepted or changes nothing (issue 8, section 2). */
class NothingLeftUnfinishedTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /**
     * Reproduction: {@code POST /sessions {"command":"/tmp/…/garbage"}} for a file with mode 0755 whose
     * content is no program answered 400 "cannot start …: Exec format error", but
     * {@code GET /sessions?allStates=true} then listed a new CLOSED session (reason
     * {@code failed to start: …}) and the event log had a SessionCreated and a SessionClosed for it.
     * Now the failed start leaves no session and no event; the id it had reserved is skipped.
     */
    @Test
    void aSessionThatCannotStartLeavesNoSessionAndNoEvent() throws Exception {
        Path garbage = Files.createTempFile(server.dataDir, "garbage", ".bin");
        Files.write(garbage, new byte[] {0x7f, 'E', 'L', 'F', 0, 0, 0, 0, 1, 2, 3});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        long before = server.shell("exit 0");
        int sessions = server.get("/sessions?allStates=true").body().size();
        awaitQuiet();
        long lastEvent = server.lastEventId();

        var r = server.post("/sessions", "{\"command\":" + Json.write(garbage.toString()) + "}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("INVALID_PARAMETER");
        assertThat(r.body().get("message").asText()).isEqualTo("cannot start " + garbage + ": Exec format error");
        assertThat(server.get("/sessions?allStates=true").body().size()).isEqualTo(sessions);
        assertThat(server.events(lastEvent)).isEmpty();
        long after = server.shell("exit 0");
        assertThat(after).as("an id a failed start reserved is skipped, never reused").isGreaterThan(before + 1);
    }

    /** Waits until the session started last has closed, so that no event of it is still to come. */
    private static void awaitQuiet() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> server.get("/sessions").body().isEmpty());
    }
}
