package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.pty.Keeper;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units in {@code dist/systemd} (issue 10 §1): the keeper in a unit of its own that
 * keeps its children, the server requiring and following it, and command lines the CLI accepts.
 * {@code systemd-analyze verify} checks them where it exists; the rest reads them as INI files, so
 * a unit that loses a key fails here on any machine.
 */
class SystemdUnitsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path UNITS = ROOT.resolve("dist/systemd");
    private static final String PREFIX = "/opt/tether";

    @TempDir
    Path tmp;

    @Test
    void systemdAnalyzeVerifyFindsNothingToSayAboutEitherUnit() throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(tool), "systemd-analyze is not installed; the INI tests below still run");
        List<Path> units = installed(tmp, /* breakKeeper= */ false);
        assertThat(verify(tool, units)).as("systemd-analyze verify's complaints").isEmpty();

        // Control: the same check sees a misspelled key (systemd only warns and exits 0 on one).
        Path broken = Files.createDirectory(tmp.resolve("broken"));
        assertThat(verify(tool, installed(broken, /* breakKeeper= */ true))).contains("KillMod");
    }

    @Test
    void theKeeperUnitSignalsOnlyTheKeeperAndClosesTheSessionsOnStop() throws IOException {
        Map<String, List<String>> service = unit("tether-keeper.service").get("Service");
        assertThat(service.get("KillMode")).containsExactly("process");
        assertThat(service.get("ExecStart")).singleElement().asString().endsWith("/bin/tether keeper run --data-dir /var/lib/tether");
        assertThat(service.get("ExecStop")).singleElement().asString()
                .startsWith("-" + PREFIX + "/bin/tether keeper stop --yes");
        assertThat(service.get("TasksMax")).containsExactly("infinity");
        assertThat(service.get("Restart")).containsExactly("on-failure");
    }

    @Test
    void theServerUnitRequiresTheKeeperAndStartsAfterIt() throws IOException {
        Map<String, List<String>> unit = unit("tether.service").get("Unit");
        assertThat(words(unit.get("Requires"))).contains("tether-keeper.service");
        assertThat(words(unit.get("After"))).contains("tether-keeper.service");
        assertThat(unit("tether.service").get("Service").get("ExecStart")).singleElement().asString().contains(" serve ");
    }

    @Test
    void theKeeperUnitIsActiveOnlyOnceTheSocketTheServerConnectsToExists() throws IOException {
        Map<String, List<String>> service = unit("tether-keeper.service").get("Service");
        Path dataDir = Path.of(option(command(service, "ExecStart"), "--data-dir"));
        Path socket = dataDir.resolve(TetherServer.RUNTIME).resolve(Keeper.SOCKET);
        assertThat(service.get("ExecStartPost")).singleElement().asString().contains("[ -S " + socket + " ]");
    }

    /**
     * Regression: the first unit waited with {@code sh -c 'i=0; until …; do i=$((i+1)); [ $i -gt
     * 300 ] && exit 1; …'}. systemd expands {@code $i} in a command line from the unit's own
     * environment before the shell sees it, so the test became {@code [ -gt 300 ]}, an error on
     * every turn; {@code systemd-analyze verify} says nothing about it. The wait now has no
     * {@code $} at all ({@code timeout 30 sh -c 'until [ -S … ]; do sleep 0.1; done'}).
     */
    @Test
    void noCommandLineHoldsADollarSign_whichSystemdWouldExpandBeforeTheShellSeesIt() throws IOException {
        for (String name : List.of("tether-keeper.service", "tether.service")) {
            unit(name).get("Service").forEach((key, values) -> {
                if (key.startsWith("Exec")) {
                    values.forEach(line -> assertThat(line.replace("$$", "")).as(name + " " + key).doesNotContain("$"));
                }
            });
        }
    }

    @Test
    void bothUnitsNameTheSameDataDirectoryAndAccountAndTheirCommandLinesParse() throws IOException {
        Map<String, List<String>> keeper = unit("tether-keeper.service").get("Service");
        Map<String, List<String>> server = unit("tether.service").get("Service");
        List<String> run = command(keeper, "ExecStart");
        List<String> stop = command(keeper, "ExecStop");
        List<String> serve = command(server, "ExecStart");
        assertThat(option(run, "--data-dir")).isEqualTo(option(serve, "--data-dir")).isEqualTo(option(stop, "--data-dir"));
        assertThat(keeper.get("User")).isEqualTo(server.get("User")).isNotEmpty(); // the keeper accepts only its own uid
        for (List<String> args : List.of(run, stop, serve)) {
            String[] a = args.toArray(String[]::new);
            assertThat(Main.commandLine(a).parseArgs(a).subcommand()).as(String.join(" ", args)).isNotNull();
        }
    }

    /** The arguments after {@code bin/tether} of the unit's {@code key} line. */
    private static List<String> command(Map<String, List<String>> service, String key) {
        String line = service.get(key).getFirst();
        List<String> words = Arrays.asList(line.replaceFirst("^-", "").split("\\s+"));
        assertThat(words.getFirst()).isEqualTo(PREFIX + "/bin/tether");
        return words.subList(1, words.size());
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        assertThat(i).as(name + " in " + args).isNotNegative();
        return args.get(i + 1);
    }

    private static List<String> words(List<String> values) {
        assertThat(values).isNotNull();
        return values.stream().flatMap(v -> Arrays.stream(v.trim().split("\\s+"))).toList();
    }

    /** The unit read as INI: section → key → its values in order (systemd allows a key more than once). */
    private static Map<String, Map<String, List<String>>> unit(String name) throws IOException {
        var sections = new LinkedHashMap<String, Map<String, List<String>>>();
        Map<String, List<String>> current = null;
        for (String raw : Files.readAllLines(UNITS.resolve(name), StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            assertThat(current).as(name + ": a key before any section: " + line).isNotNull();
            assertThat(eq).as(name + ": not KEY=VALUE: " + line).isPositive();
            current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
        }
        assertThat(sections).as(name).containsKeys("Unit", "Service", "Install");
        return sections;
    }

    /** The units as installed from this checkout (its bin/tether for /opt/tether's), in {@code dir}. */
    private static List<Path> installed(Path dir, boolean breakKeeper) throws IOException {
        var out = new ArrayList<Path>();
        for (String name : List.of("tether-keeper.service", "tether.service")) {
            String text = Files.readString(UNITS.resolve(name)).replace(PREFIX, ROOT.toString());
            if (breakKeeper && name.startsWith("tether-keeper")) {
                text = text.replace("KillMode=", "KillMod=");
            }
            out.add(Files.writeString(dir.resolve(name), text));
        }
        return out;
    }

    /** What {@code systemd-analyze verify} says about {@code units} (nothing when they are sound). */
    private static String verify(Path tool, List<Path> units) throws Exception {
        var cmd = new ArrayList<>(List.of(tool.toString(), "verify"));
        units.forEach(u -> cmd.add(u.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0 ? said : "exit " + p.exitValue() + ": " + said;
    }
}
