package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The server's end of the keeper's socket, against a real keeper in this JVM. */
class KeeperLinkTest {
    @TempDir
    Path tmp;

    /**
     * A planned hand-over logged an error. Reproduction: a server stopping with a keeper says Bye;
     * the keeper then closes the connection, and when that close reached the link's reader before
     * the server closed its end, the log said at ERROR "the session keeper closed its connection:
     * sessions go on in it, but no new one can start…" (seen under load on every few stops).
     */
    @Test
    void theKeeperClosingTheConnectionAfterBye_isTheHandOver_notAnError() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(KeeperLink.class);
        var appender = new ListAppender<ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        try (Keeper keeper = Keeper.start(tmp.resolve("run"))) {
            KeeperLink link = KeeperLink.connect(tmp.resolve("run"), false);
            link.bye();
            // Wait until the keeper's close has reached the reader, which is the moment of the defect.
            await().atMost(Duration.ofSeconds(10)).until(() -> !link.readerAlive());
            link.close();
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
    }

    /**
     * A server may ask the keeper to signal only a session the keeper keeps: the keeper runs as
     * root in multi-user mode, and a server that could name any pid could kill anything.
     */
    @Test
    void aSignalForAPidThatIsNoSessionOfTheKeeper_isIgnored_andOneForItsSessionIsSent() throws Exception {
        Process bystander = new ProcessBuilder("sleep", "60").start();
        try (Keeper keeper = Keeper.start(tmp.resolve("run"))) {
            KeeperLink link = KeeperLink.connect(tmp.resolve("run"), false);
            var spec = new dev.tether.core.terminal.TerminalSpec(7, java.util.List.of("sleep", "60"),
                    java.util.Map.of("PATH", "/usr/bin:/bin"), tmp, 80, 24, 4096);
            KeeperLink.Handed session = link.spawn(spec);

            link.signal((int) bystander.pid(), 15);
            link.signal(session.entry().pid(), 15);

            await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(session.entry().pid()).map(ProcessHandle::isAlive).orElse(false));
            assertThat(bystander.isAlive()).as("a process the keeper does not keep").isTrue();
            link.close();
        } finally {
            bystander.destroyForcibly();
        }
    }
}
