package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A command line gives picocli only the command it names, since reading the annotations of every
 * command is most of a short command's start-up; and it still behaves as if all were there.
 */
class CommandTreeTest {
    @Test
    void aCommandLineBuildsOnlyTheTopLevelCommandItNames() {
        assertThat(Main.commandLine("--server", "h", "session", "list").getSubcommands()).containsOnlyKeys("session");
        assertThat(Main.commandLine("--token=t", "--json", "workspace", "list").getSubcommands()).containsOnlyKeys("workspace");
        assertThat(Main.commandLine("sessions", "--all-states").getSubcommands()).containsOnlyKeys("sessions");
    }

    @Test
    void helpAMistypedCommandOrNoCommandBuildsEveryCommand() {
        var all = Main.commandLine().getSubcommands().keySet();
        assertThat(all).contains("serve", "session", "sessions", "whoami");
        assertThat(Main.commandLine("--help").getSubcommands().keySet()).containsExactlyElementsOf(all);
        assertThat(Main.commandLine("sesion", "list").getSubcommands().keySet()).containsExactlyElementsOf(all);
        assertThat(Main.commandLine("--server", "session").getSubcommands().keySet()).containsExactlyElementsOf(all);
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(all);
    }

    @Test
    void theCommandNamedAloneKeepsTheGlobalOptionsAndItsOwnSettings() {
        var session = Main.commandLine("session", "new", "--", "sh").getSubcommands().get("session");
        assertThat(session.getSubcommands().get("new").isStopAtPositional()).isTrue();
        assertThat(session.getSubcommands().get("list").getCommandSpec().findOption("--server")).isNotNull();
        var serve = Main.commandLine("serve").getSubcommands().get("serve").getCommandSpec();
        assertThat(serve.findOption("--server")).as("serve has no client options").isNull();
        assertThat(serve.findOption("--json")).isNull();
    }

    @Test
    void theCommandWordIsTheFirstArgumentThatIsNeitherAnOptionNorAnOptionsValue() {
        assertThat(Main.commandWord("--server", "session", "whoami")).isEqualTo("whoami");
        assertThat(Main.commandWord("--server=h", "session")).isEqualTo("session");
        assertThat(Main.commandWord("--json", "--token", "t")).isNull();
        assertThat(Main.commandWord("--", "session")).isNull();
    }
}
