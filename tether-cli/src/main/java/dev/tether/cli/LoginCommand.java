package dev.tether.cli;

import dev.tether.client.TetherClient;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether login --server URL --user NAME}: exchanges a password for a token and saves it (see
 * {@link SavedTokens}); later commands to that server use it when neither {@code --token} nor
 * {@code TETHER_TOKEN} is given. It says so, and whose saved login it replaces, since every later
 * command changes identity with it.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Log in to a server with your password and save the token, so that later commands to that server run as you.",
            "The token is saved, readable only by you, in $XDG_CONFIG_HOME/tether/tokens (by default in ~/.config/tether/tokens).",
            "The password is asked without echo, or read as the first line of standard input.",
            "See also 'tether whoami' and 'tether logout'."})
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
        Optional<String> before = saved.user(server).filter(previous -> !previous.equals(user));
        saved.save(server, user, token);
        boolean overridden = System.getenv("TETHER_TOKEN") != null && !System.getenv("TETHER_TOKEN").isBlank();
        if (global.json) {
            var answer = new LinkedHashMap<String, Object>();
            answer.put("server", server.toString());
            answer.put("user", user);
            answer.put("savedIn", saved.file().toString());
            before.ifPresent(previous -> answer.put("replaced", previous));
            JsonOut.print(out, answer);
        } else {
            out.println("Logged in to " + server + " as " + user + before.map(p -> ", replacing the saved login of " + p).orElse("")
                    + ": later commands to " + server + " run as " + user + " unless --token or TETHER_TOKEN is given."
                    + " The token is saved in " + saved.file() + ".");
            if (overridden) {
                out.println("TETHER_TOKEN is set here, so commands in this shell still use it; 'tether whoami' says who you are.");
            }
        }
        return ExitCodes.OK;
    }
}
