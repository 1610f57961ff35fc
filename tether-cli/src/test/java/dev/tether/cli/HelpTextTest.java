package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.StartWorkspace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine;

/**
 * Help texts, as a user sees them: every command's usage rendered at 80 columns (picocli's width,
 * whatever the terminal).
 *
 * <p>Reproduction: {@code tether login --help} said "the token is saved for later commands to that"
 * in the command list (a description cut after its first line), {@code tether --help} wrapped
 * "http: //HOST:7420" and "the admin. token" (picocli breaks lines after ':' and '.', so a URL or a
 * file name at the edge was cut in two), and the session commands spoke of Disconnect-WmsSession,
 * WTSSendMessage and IMbnConnection::Disconnect. Those names belong in the docs that map them.
 */
class HelpTextTest {
    /** Windows API and command names a user of the CLI need not know. */
    static final List<String> WINDOWS_NAMES = List.of("WmsSession", "WTS", "Mbn", "Win32", "StartWorkspace", "OnAuthenticated",
            "IsWorkspaceCredentialSpecified", "ClearWorkspaceCredential", "DisconnectWorkspace", "WKS_FLAG", "0x8007", "HRESULT",
            "IDOK", "IDTIMEOUT", "IDASYNC", "qwinsta", "msg,", "as msg");

    private static final Pattern LINE_BREAK = Pattern.compile("(\\S+)\\n\\s*(\\S+)");

    /** Every command, by its full name, as its usage is rendered at 80 columns. */
    static Map<String, CommandLine> commands() {
        var all = new LinkedHashMap<String, CommandLine>();
        collect(Main.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine command, Map<String, CommandLine> all) {
        command.setUsageHelpWidth(80);
        all.putIfAbsent(command.getCommandSpec().qualifiedName(), command);
        command.getSubcommands().values().forEach(sub -> collect(sub, all));
    }

    static String usage(CommandLine command) {
        return command.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /** Every text the help of {@code command} is made of, unwrapped: descriptions, labels, names. */
    private static List<String> sources(CommandLine command) {
        var spec = command.getCommandSpec();
        var texts = new ArrayList<String>(List.of(spec.usageMessage().description()));
        texts.addAll(spec.usageMessage().exitCodeList().values());
        for (ArgSpec arg : spec.args()) {
            texts.addAll(List.of(arg.description()));
            texts.add(arg.paramLabel());
            if (arg instanceof CommandLine.Model.OptionSpec option) {
                texts.add(option.longestName() + "=" + option.paramLabel());
            }
        }
        command.getSubcommands().values().forEach(sub -> texts.addAll(List.of(sub.getCommandSpec().usageMessage().description())));
        return texts;
    }

    /** Every description a user reads as one paragraph: the command's own, its options', its subcommands' summaries. */
    private static Map<String, String> descriptions(CommandLine command) {
        var spec = command.getCommandSpec();
        var all = new LinkedHashMap<String, String>();
        String[] own = spec.usageMessage().description();
        for (int i = 0; i < own.length; i++) {
            all.put(spec.qualifiedName() + " description line " + (i + 1), own[i]);
        }
        for (ArgSpec arg : spec.args()) {
            all.put(spec.qualifiedName() + " " + arg.paramLabel() + (arg instanceof CommandLine.Model.OptionSpec o ? " " + o.longestName() : ""),
                    String.join(" ", arg.description()));
        }
        spec.usageMessage().exitCodeList().forEach((code, text) -> all.put(spec.qualifiedName() + " exit code " + code, text));
        return all;
    }

    @Test
    void noHelpTextBreaksAUrlAFileNameOrAnyOtherWordAcrossLines() {
        var broken = new ArrayList<String>();
        commands().forEach((name, command) -> {
            String text = usage(command);
            String source = String.join("\n", sources(command));
            var m = LINE_BREAK.matcher(text);
            for (int from = 0; m.find(from); from = m.start(2)) {
                String joined = (m.group(1) + m.group(2)).replaceAll("^[\\[(]+|[\\]).,;]+$", "");
                if (m.group(1).matches(".*[:./=-]") && source.contains(joined)) {
                    broken.add(name + ": \"" + m.group(1) + " " + m.group(2) + "\"");
                }
            }
            assertThat(text).as(name).doesNotContain("http: //", "https: //");
        });
        assertThat(broken).isEmpty();
    }

    @Test
    void everyDescriptionIsAWholeSentence_soNoSummaryIsCutMidSentence() {
        var cut = new ArrayList<String>();
        commands().forEach((name, command) -> descriptions(command).forEach((where, text) -> {
            String t = text.strip();
            if (!(t.endsWith(".") || t.endsWith(".)")) || Character.isLowerCase(t.codePointAt(0))) {
                cut.add(where + ": \"" + t + "\"");
            }
        }));
        assertThat(cut).isEmpty();
    }

    @Test
    void noHelpTextSpeaksWindowsApiNames() {
        var found = new ArrayList<String>();
        commands().forEach((name, command) -> {
            String text = usage(command);
            for (String windows : WINDOWS_NAMES) {
                if (text.contains(windows)) {
                    found.add(name + ": " + windows);
                }
            }
        });
        assertThat(found).isEmpty();
    }

    @Test
    void theChecksCatchWhatTheyAreFor() {
        // Control case: a wrapped URL is found by the first check's own pattern.
        var m = LINE_BREAK.matcher("meaning http:\n      //HOST:7420 (default");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1) + m.group(2)).isEqualTo("http://HOST:7420");
        assertThat(commands()).containsKeys("tether", "tether login", "tether logout", "tether whoami", "tether session disconnect");
    }
}
