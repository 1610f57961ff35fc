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
        assertThat(login.out().strip()).isEqualTo("Logged in to " + server.url() + " as hana; the token is saved in " + file);
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
}
