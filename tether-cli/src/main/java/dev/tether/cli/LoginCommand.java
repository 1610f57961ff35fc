package dev.tether.cli;

import dev.tether.client.TetherClient;
import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether login --server URL --user NAME}: exchanges a password for a token and saves it (see
 * {@link SavedTokens}); later commands to that server use it when neither {@code --token} nor
 * {@code TETHER_TOKEN} is given.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Log in with your password; the token is saved for later commands to that",
            "server in $XDG_CONFIG_HOME/tether/tokens (default ~/.config/tether/tokens, 0600).",
            "The password is asked without echo, or read as the first line of stdin."})
final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--user", paramLabel = "NAME", required = true, description = "Your user name on the server.")
    String user;

    @Override
    public Integer call() {
        Main global = (Main) spec.root().userObject();
        var out = spec.commandLine().getOut();
        URI server = Connection.serverUri(global.server);
        char[] password = Passwords.read("Password for " + user + " on " + server + ": ", "password", spec.commandLine().getErr());
        String token;
        try {
            token = TetherClient.login(server, user, password);
        } finally {
            Arrays.fill(password, '\0');
        }
        var saved = SavedTokens.forUser();
        saved.save(server, token);
        if (global.json) {
            JsonOut.print(out, Map.of("server", server.toString(), "user", user, "savedIn", saved.file().toString()));
        } else {
            out.println("Logged in to " + server + " as " + user + "; the token is saved in " + saved.file());
        }
        return ExitCodes.OK;
    }
}
