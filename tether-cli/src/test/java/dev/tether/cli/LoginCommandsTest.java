package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.TetherClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether user passwd} and {@code tether login}, run as a user would. */
class LoginCommandsTest {
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("login-cli");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    @Test
    void userPasswdReadsThePasswordOnceFromStdin_thenLoginSavesATokenReadableOnlyByTheOwner_thatLaterCommandsUse(
            @TempDir Path config) throws Exception {
        String hana = sdk.users().add("hana", false).token();

        var passwd = Cli.against(server).token(hana).stdin("hana's secret\n").run("user", "passwd", "hana");
        var login = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString())
                .stdin("hana's secret\n").run("login", "--user", "hana");
        var created = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString())
                .run("session", "new", "--", "sleep", "60");

        assertThat(passwd.exit()).as(passwd.toString()).isZero();
        assertThat(passwd.out().strip()).isEqualTo("Password set for hana.");
        assertThat(login.exit()).as(login.toString()).isZero();
        Path file = config.resolve("tether").resolve("tokens");
        assertThat(login.out().strip()).isEqualTo("Logged in to " + server.url() + " as hana: later commands to " + server.url()
                + " run as hana unless --token or TETHER_TOKEN is given. The token is saved in " + file + ".");
        assertThat(login.out() + login.err()).doesNotContain("tth_").doesNotContain("secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(sdk.sessions().get(Long.parseLong(created.out().strip())).user()).as("the saved token is hana's").isEqualTo("hana");

        // --token and TETHER_TOKEN come before the saved token.
        var asAdmin = Cli.against(server).env("XDG_CONFIG_HOME", config.toString()).run("session", "new", "--", "sleep", "60");
        assertThat(sdk.sessions().get(Long.parseLong(asAdmin.out().strip())).user()).isEqualTo("admin");
    }

    @Test
    void loginWithAWrongPasswordIsUnauthenticated_andSavesNothing(@TempDir Path config) {
        sdk.users().passwd("admin", "the admin password".toCharArray());

        var login = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString())
                .stdin("not it\n").run("login", "--user", "admin");

        assertThat(login.exit()).isEqualTo(1);
        assertThat(login.errLines()).containsExactly("UNAUTHENTICATED: the user name or password is wrong");
        assertThat(config.resolve("tether").resolve("tokens")).doesNotExist();
    }

    @Test
    void userPasswd_aPasswordShorterThanEightCharactersIsRefused() {
        var result = Cli.against(server).stdin("short\n").run("user", "passwd", "admin");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("INVALID_PARAMETER: the password for admin must have 8 to 1024 characters");
    }

    /**
     * login silently switched the identity of every later command. Reproduction: {@code tether login
     * --user ivan} after a login as hana printed "Logged in to URL as ivan; the token is saved in FILE"
     * and nothing said that hana's login was gone. Now it says whose login it replaced.
     */
    @Test
    void loginSaysWhoseTokenItSavedForWhichServer_andWhoseSavedLoginItReplaces(@TempDir Path config) {
        sdk.users().add("ivan", false);
        sdk.users().add("jane", false);
        sdk.users().passwd("ivan", "ivan's secret".toCharArray());
        sdk.users().passwd("jane", "jane's secret".toCharArray());
        var asIvan = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString());

        var first = asIvan.stdin("ivan's secret\n").run("login", "--user", "ivan");
        var second = asIvan.stdin("jane's secret\n").run("login", "--user", "jane");

        Path file = config.resolve("tether").resolve("tokens");
        assertThat(first.out().strip()).isEqualTo("Logged in to " + server.url() + " as ivan: later commands to " + server.url()
                + " run as ivan unless --token or TETHER_TOKEN is given. The token is saved in " + file + ".");
        assertThat(second.out().strip()).isEqualTo("Logged in to " + server.url() + " as jane, replacing the saved login of ivan: later commands to "
                + server.url() + " run as jane unless --token or TETHER_TOKEN is given. The token is saved in " + file + ".");
    }

    /**
     * There was no way to ask who later commands act as. Reproduction: {@code tether whoami} answered
     * "Unmatched argument". Now it names the user, admin or not, the server and where the token came from.
     */
    @Test
    void whoamiNamesTheUser_whetherAdmin_theServer_andWhereTheTokenCameFrom(@TempDir Path config, @TempDir Path data) throws Exception {
        String kim = sdk.users().add("kim", false).token();
        sdk.users().passwd("kim", "kim's secret".toCharArray());
        Path adminToken = data.resolve("tether").resolve("admin.token");
        Files.createDirectories(adminToken.getParent());
        Files.writeString(adminToken, server.token() + "\n");
        var cli = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString()).env("XDG_DATA_HOME", data.toString());
        String on = " on " + server.url() + " (login-cli), with the token from ";

        var fromAdminToken = cli.run("whoami");
        assertThat(cli.stdin("kim's secret\n").run("login", "--user", "kim").exit()).isZero();
        var fromLogin = cli.run("whoami");
        var fromOption = cli.run("whoami", "--token", server.token());
        var fromEnvironment = Cli.tether().server(server.url().toString()).token(kim).run("whoami", "--json");

        assertThat(fromAdminToken.outLines()).as(fromAdminToken.toString()).containsExactly("admin (administrator)" + on + adminToken + ".");
        assertThat(fromLogin.outLines()).containsExactly("kim (not an administrator)" + on + "the login saved in "
                + config.resolve("tether").resolve("tokens") + ".");
        assertThat(fromOption.outLines()).containsExactly("admin (administrator)" + on + "--token.");
        assertThat(fromEnvironment.out().replaceAll("\\s+", "")).isEqualTo("{\"user\":\"kim\",\"admin\":false,\"server\":\"" + server.url()
                + "\",\"tokenFrom\":\"TETHER_TOKEN\"}");
    }

    /**
     * There was no way to undo a login but editing the tokens file. Reproduction: {@code tether
     * logout} answered "Unmatched argument". Now it forgets the server's saved token, and later
     * commands no longer act as that user.
     */
    @Test
    void logoutForgetsTheSavedToken_soLaterCommandsNoLongerRunAsThatUser(@TempDir Path config) {
        sdk.users().add("lee", false);
        sdk.users().passwd("lee", "lee's secret".toCharArray());
        var cli = Cli.tether().server(server.url().toString()).env("XDG_CONFIG_HOME", config.toString());
        assertThat(cli.stdin("lee's secret\n").run("login", "--user", "lee").exit()).isZero();
        assertThat(cli.run("whoami").out()).startsWith("lee ");

        var logout = cli.run("logout");
        var again = cli.run("logout");
        var after = cli.run("whoami");

        Path file = config.resolve("tether").resolve("tokens");
        assertThat(logout.outLines()).as(logout.toString()).containsExactly("Logged out of " + server.url() + " as lee: its saved token is removed from " + file + ".");
        assertThat(again.exit()).isZero();
        assertThat(again.outLines()).containsExactly("No login is saved for " + server.url() + " in " + file + "; nothing to do.");
        assertThat(after.exit()).isEqualTo(1);
        assertThat(after.err()).startsWith("UNAUTHENTICATED: no token for " + server.url());
    }
}
