package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.SessionInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a session's command is shown to people. */
class SessionInfoTest {

    @Test
    void commandLinesQuoteWhatAShellWouldSplit() {
        assertThat(SessionInfo.commandLine(List.of("bash", "-c", "echo it's"))).isEqualTo("bash -c 'echo it'\\''s'");
        assertThat(SessionInfo.commandLine(List.of("/bin/ls", "-la"))).isEqualTo("/bin/ls -la");
    }
}
