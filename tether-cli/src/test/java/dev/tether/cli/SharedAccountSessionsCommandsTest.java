package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions run as the server's account: {@code serve --shared-account-sessions} lets users who
 * are not administrators start them, and both {@code serve} and {@code user add} say what that means.
 */
class SharedAccountSessionsCommandsTest {

    /** Any user becomes admin in one step: the opt-in is said at start, in the log and on stdout. */
    @Test
    void serveWithSharedAccountSessionsSaysAtStartThatUsersSessionsRunAsTheServersAccount(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Process serve = Cli.tether().processBuilder("serve", "--shared-account-sessions", "--data-dir", data.toString(),
                "--listen", "127.0.0.1:0").redirectErrorStream(true).start();
        var lines = new ArrayList<String>();
        try {
            var out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null && !line.startsWith("Administrator token: "); ) {
                lines.add(line);
            }
            lines.add(out.readLine());
            assertThat(lines).as(String.join("\n", lines)).anySatisfy(line -> assertThat(line)
                    .contains("WARN").contains("--shared-account-sessions: sessions of users who are not administrators run as this server's account"));
            assertThat(lines.getLast()).startsWith("Warning: --shared-account-sessions: sessions of users who are not administrators run as ")
                    .contains("such users can read " + data);
            serve.toHandle().destroy();
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            serve.destroyForcibly();
            Cli.stopKeeper(data);
        }
    }

    @Test
    void userAddWarnsThatTheUsersSessionsRunAsTheServersAccountWhenTheServerSharesIt() {
        try (var server = new TestServer("shared-cli", /* sharedAccountSessions= */ true)) {
            var added = Cli.against(server).run("user", "add", "ivy");
            assertThat(added.exit()).as(added.toString()).isZero();
            assertThat(added.outLines()).singleElement().asString().startsWith("tth_");
            assertThat(added.errLines()).containsExactly("Warning: this server runs with --shared-account-sessions: ivy's sessions"
                    + " run as the server's own account, so ivy can read its data directory (admin.token, master.key)"
                    + " and act as the administrator.");
            assertThat(Cli.against(server).run("user", "add", "--admin", "ivy-admin").err())
                    .isEqualTo("Note: this server is in personal mode: ivy-admin's sessions run as the server's own account.\n");
        }
    }

    @Test
    void userAddSaysTheUserCannotStartSessionsWhenTheServerDoesNotShareItsAccount() {
        try (var server = new TestServer("unshared-cli", /* sharedAccountSessions= */ false)) {
            var added = Cli.against(server).run("user", "add", "jon");
            assertThat(added.exit()).as(added.toString()).isZero();
            assertThat(added.errLines()).containsExactly("Note: jon cannot start sessions: on this server only administrators do"
                    + " (sessions run as the server's own account; see serve --shared-account-sessions).");
            String token = added.out().strip();
            var refused = Cli.tether().server(server.url().toString()).token(token).run("session", "new", "--", "sleep", "1");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.errLines()).containsExactly("ACCESS_DENIED: the user jon may not start sessions on unshared-cli:"
                    + " sessions run as the server's own account, so only administrators start them unless the server runs"
                    + " with --shared-account-sessions");
        }
    }
}
