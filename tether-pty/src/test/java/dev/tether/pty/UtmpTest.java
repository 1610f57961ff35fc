package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions recorded as log-ons, read back with the system's own {@code who}, {@code last} and
 * {@code utmpdump}, in the system's /var/run/utmp and /var/log/wtmp (root only, as CI runs).
 *
 * <p>A {@code sleep 60} stands for the session's program. It stays alive until the log-off has been
 * checked, because {@code who} without a file name hides a USER_PROCESS record whose pid is gone
 * (coreutils' READ_UTMP_CHECK_PIDS); {@code who FILE} does not, so it is asked too. The test
 * {@link #whoAloneHidesTheRecordOfAProgramThatIsGone_butWhoOfTheFileStillListsIt} shows that
 * difference, so a log-off seen by both is the DEAD_PROCESS record's doing, not the pid's.
 *
 * <p>Times are an hour or more in the past: {@code last} prints "still running" for a session whose
 * log-off is in the very second it runs. The files are put back as they were after the class: utmp
 * removed if it did not exist, wtmp cut back to its former length.
 */
class UtmpTest {
    private static final Path UTMP = Path.of("/var/run/utmp");
    private static final Path WTMP = Path.of("/var/log/wtmp");
    private static final DateTimeFormatter WHO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);
    private static final DateTimeFormatter LAST_TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);

    private static String user;
    private static boolean utmpExisted;
    private static long wtmpLength = -1;

    @TempDir
    Path tmp;
    private final List<Process> programs = new ArrayList<>();
    private int master = -1;

    @BeforeAll
    static void anAccount() throws Exception {
        assumeTrue(LibC.geteuid() == 0, "needs root to write utmp and wtmp and to add an account (CI runs as root)");
        for (String tool : List.of("/usr/bin/who", "/usr/bin/last", "/usr/bin/utmpdump", "/usr/sbin/useradd")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
        }
        utmpExisted = Files.exists(UTMP);
        wtmpLength = Files.exists(WTMP) ? Files.size(WTMP) : -1;
        user = "tt" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        assertThat(run("/usr/sbin/useradd", "-M", "-s", "/usr/sbin/nologin", user).exitCode()).isZero();
    }

    @AfterAll
    static void putTheSystemBack() throws Exception {
        if (user == null) {
            return;
        }
        run("/usr/sbin/userdel", user);
        if (!utmpExisted) {
            Files.deleteIfExists(UTMP);
        }
        if (wtmpLength < 0) {
            Files.deleteIfExists(WTMP);
        } else if (Files.exists(WTMP)) {
            try (FileChannel wtmp = FileChannel.open(WTMP, StandardOpenOption.WRITE)) {
                wtmp.truncate(wtmpLength);
            }
        }
    }

    /** A pid as utmpdump prints it: at least five digits, zero-padded (1792 is [01792]). */
    static String dumpedPid(int pid) {
        return String.format("%05d", pid);
    }

    @BeforeEach
    void asRoot() {
        assumeTrue(user != null);
    }

    @AfterEach
    void stopPrograms() {
        programs.forEach(Process::destroyForcibly);
        if (master >= 0) {
            LibC.close(master);
        }
    }

    @Test
    void aSessionLoggedIn_isListedByWho_untilItLogsOut_andLastShowsItFromItsHost() throws Exception {
        String line = realPty();
        Process program = program();
        int pid = (int) program.pid();
        Instant in = Instant.now().minus(90, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        Instant out = in.plus(62, ChronoUnit.MINUTES);

        Utmp.loggedIn(pid, line, user, "laptop.example", in);

        String listed = user + " +" + line + " +" + WHO_TIME.format(in.atZone(ZoneOffset.UTC)) + " \\(laptop\\.example\\)";
        assertThat(who()).as("who").anyMatch(l -> l.matches(listed));
        assertThat(who(UTMP.toString())).as("who " + UTMP).anyMatch(l -> l.matches(listed));
        assertThat(utmpdump(UTMP)).as("utmpdump " + UTMP)
                .anyMatch(l -> l.startsWith("[7] [" + dumpedPid(pid) + "] [" + id(line) + "] [" + user));

        Utmp.loggedOut(pid, line, 3, out);

        assertThat(program.isAlive()).as("the program still runs, so who's own pid check cannot be what hides it").isTrue();
        assertThat(who()).as("who").noneMatch(l -> l.startsWith(user + " "));
        assertThat(who(UTMP.toString())).as("who " + UTMP).noneMatch(l -> l.startsWith(user + " "));
        assertThat(utmpdump(UTMP)).as("utmpdump " + UTMP).anyMatch(l -> l.matches(
                "\\[8] \\[" + dumpedPid(pid) + "] \\[" + Pattern.quote(id(line)) + " *] \\[ *] \\[" + line + " *] \\[ *] .*"));
        assertThat(who("-d", UTMP.toString())).as("who -d " + UTMP).anyMatch(l -> l.matches(
                " +" + line + " +.* " + pid + " id=" + Pattern.quote(id(line)) + " +term=0 exit=3"));
        String session = user + " +" + line + " +laptop\\.example +\\w{3} \\w{3} [ \\d]\\d "
                + LAST_TIME.format(in.atZone(ZoneOffset.UTC)) + " - " + LAST_TIME.format(out.atZone(ZoneOffset.UTC))
                + " +\\(01:02\\)";
        assertThat(lines(run(env(), "/usr/bin/last", "-w", user))).as("last -w " + user).anyMatch(l -> l.matches(session));
    }

    @Test
    void whoAloneHidesTheRecordOfAProgramThatIsGone_butWhoOfTheFileStillListsIt() throws Exception {
        String line = madeUpLine();
        Process program = program();
        int pid = (int) program.pid();
        Utmp.loggedIn(pid, line, user, "laptop.example", Instant.now().minus(2, ChronoUnit.HOURS));
        assertThat(who()).anyMatch(l -> l.startsWith(user + " ") && l.contains(" " + line + " "));

        program.destroyForcibly();
        assertThat(program.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(who()).as("who").noneMatch(l -> l.contains(" " + line + " "));
        assertThat(who(UTMP.toString())).as("who " + UTMP).anyMatch(l -> l.startsWith(user + " ") && l.contains(" " + line + " "));
        Utmp.loggedOut(pid, line, 128 + 9, Instant.now().minus(1, ChronoUnit.HOURS));
        assertThat(who(UTMP.toString())).as("who " + UTMP).noneMatch(l -> l.contains(" " + line + " "));
        assertThat(who("-d", UTMP.toString())).as("who -d " + UTMP) // killed by signal 9, the keeper's 128 + 9
                .anyMatch(l -> l.matches(" +" + line + " +.* " + pid + " id=" + Pattern.quote(id(line)) + " +term=9 exit=0"));
    }

    @Test
    void anOverlongUserAndHost_areCutAtTheirFieldSizes_withoutSplittingACharacter_orSpillingIntoTheNextField() throws Exception {
        String line = madeUpLine();
        Process program = program();
        // 31 bytes, then "é" (2 bytes) that would end at byte 33: cut before the é.
        String longUser = user + "x".repeat(31 - user.length()) + "érest";
        // 254 bytes, then "ü" (2 bytes) ending exactly at 256, the field full without a NUL, then more.
        String longHost = "h".repeat(250) + ".org" + "ütail.example";
        Instant in = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

        Utmp.loggedIn((int) program.pid(), line, longUser, longHost, in);

        String shown = longUser.substring(0, 31) + " +" + line + " +" + WHO_TIME.format(in.atZone(ZoneOffset.UTC))
                + " \\(" + "h".repeat(250) + "\\.orgü\\)";
        assertThat(who()).as("who").anyMatch(l -> l.matches(shown));
        Utmp.loggedOut((int) program.pid(), line, 0, in.plusSeconds(60));
    }

    @Test
    void controlCharactersInAHost_areShownAsQuestionMarks_soWhoPrintsNoEscapeSequence() throws Exception {
        String line = madeUpLine();
        Process program = program();
        Utmp.loggedIn((int) program.pid(), line, user, "evil\u001b]0;owned\u0007.example", Instant.now().minus(1, ChronoUnit.HOURS));

        assertThat(who()).anyMatch(l -> l.startsWith(user + " ") && l.endsWith("(evil?]0;owned?.example)"));
        assertThat(String.join("\n", who())).doesNotContain("\u001b");
        Utmp.loggedOut((int) program.pid(), line, 0, Instant.now());
    }

    @Test
    void missingFiles_areCreated0664RootUtmp_asSystemdTmpfilesWouldAtBoot() throws Exception {
        Path utmp = tmp.resolve("utmp");
        Path wtmp = tmp.resolve("wtmp");
        Instant in = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

        new Utmp(utmp, wtmp).in((int) program().pid(), "pts/42", user, "laptop.example", in);

        for (Path file : List.of(utmp, wtmp)) {
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertThat(PosixFilePermissions.toString(a.permissions())).as(file.toString()).isEqualTo("rw-rw-r--");
            assertThat(a.owner().getName()).as(file.toString()).isEqualTo("root");
            assertThat(a.group().getName()).as(file.toString()).isEqualTo("utmp");
            assertThat(a.size()).as(file.toString()).isEqualTo(384);
        }
        assertThat(who(utmp.toString())).anyMatch(l -> l.matches(user + " +pts/42 +.*\\(laptop\\.example\\)"));
        assertThat(lines(run(env(), "/usr/bin/last", "-w", "-f", wtmp.toString())))
                .anyMatch(l -> l.matches(user + " +pts/42 +laptop\\.example .*"));
    }

    @Test
    void aLogOffOfALineThatAnotherPidHoldsByNow_leavesTheNewerLogOnAlone() throws Exception {
        Utmp files = new Utmp(tmp.resolve("utmp"), tmp.resolve("wtmp"));
        Instant at = Instant.now().minus(2, ChronoUnit.HOURS);
        files.in(1_000_001, "pts/7", user, "first.example", at);
        files.out(1_000_001, "pts/7", 0, at.plusSeconds(60));
        files.in(1_000_002, "pts/7", user, "second.example", at.plusSeconds(120));

        files.out(1_000_001, "pts/7", 0, at.plusSeconds(180)); // late, for a line that was reused

        assertThat(who(tmp.resolve("utmp").toString())).anyMatch(l -> l.startsWith(user + " ") && l.endsWith("(second.example)"));
        assertThat(Files.size(tmp.resolve("wtmp"))).as("wtmp: in, out, in; not the late out").isEqualTo(3 * 384);
        // Control: the right pid's log-off does take the slot.
        files.out(1_000_002, "pts/7", 0, at.plusSeconds(240));
        assertThat(who(tmp.resolve("utmp").toString())).noneMatch(l -> l.startsWith(user + " "));
    }

    @Test
    void aLogOnWithoutAUserOrALine_isRefusedWithASentence() {
        assertThatThrownBy(() -> Utmp.loggedIn(1, "pts/3", "", "h", Instant.now()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cannot record a log-on on pts/3 without a user name");
        assertThatThrownBy(() -> Utmp.loggedOut(1, "/dev/", 0, Instant.now()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot record a log-on or log-off without a terminal line (as pts/3)");
    }

    @Test
    void aFileThatCannotBeWritten_isASentenceNamingItAndTheReason() {
        Path missingDir = tmp.resolve("no-such-dir");
        var files = new Utmp(missingDir.resolve("utmp"), missingDir.resolve("wtmp"));
        assertThatThrownBy(() -> files.in(1, "pts/3", user, "h", Instant.now()))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot record the log-on of " + user + " on pts/3: " + missingDir + " does not exist");
    }

    /** A real pty's line, "pts/N", its master held open until the test ends. */
    private String realPty() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            master = LibC.posixOpenpt(err, LibC.O_RDWR | LibC.O_NOCTTY);
            assertThat(master).isNotNegative();
            assertThat(LibC.grantpt(err, master)).isZero();
            assertThat(LibC.unlockpt(err, master)).isZero();
            MemorySegment name = arena.allocate(128);
            assertThat(LibC.ptsnameR(master, name)).isZero();
            return name.getString(0).substring("/dev/".length());
        }
    }

    /** A line no terminal has, unique to the test ("pts/9" and three digits; its ut_id is its last four bytes). */
    private static String madeUpLine() {
        return "pts/9" + (100 + ThreadLocalRandom.current().nextInt(900));
    }

    private Process program() throws IOException {
        Process p = new ProcessBuilder("/usr/bin/sleep", "60").start();
        programs.add(p);
        return p;
    }

    private static String id(String line) {
        return line.substring(Math.max(0, line.length() - 4));
    }

    private static List<String> who(String... arguments) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/who"));
        cmd.addAll(List.of(arguments));
        return lines(run(env(), cmd.toArray(String[]::new)));
    }

    private static List<String> utmpdump(Path file) throws Exception {
        return lines(run(env(), "/usr/bin/utmpdump", file.toString()));
    }

    private static List<String> lines(Run r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output().lines().toList();
    }

    /** UTF-8 and UTC, so names and times read the same on every machine. */
    private static List<String> env() {
        return List.of("LC_ALL=C.UTF-8", "TZ=UTC");
    }

    private record Run(int exitCode, String output) {}

    private static Run run(String... cmd) throws Exception {
        return run(List.of(), cmd);
    }

    private static Run run(List<String> env, String... cmd) throws Exception {
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String e : env) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }
}
