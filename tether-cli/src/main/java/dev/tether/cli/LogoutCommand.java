package dev.tether.cli;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tether logout [--server URL]}: forgets the token {@code tether login} saved for the server.
 * Nothing is asked of the server; logging out when no login is saved succeeds and says so.
 */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = {"Forget the token 'tether login' saved for the server (see --server).",
            "Later commands to that server use --token, $TETHER_TOKEN or the administrator's token file instead, if there is one."})
final class LogoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Main global = (Main) spec.root().userObject();
        var out = spec.commandLine().getOut();
        URI server = Connection.serverUri(global.server);
        var saved = SavedTokens.forUser();
        String user = saved.user(server).orElse(null);
        boolean removed = saved.remove(server);
        if (global.json) {
            JsonOut.print(out, Map.of("server", server.toString(), "removed", removed, "savedIn", saved.file().toString()));
        } else if (removed) {
            out.println("Logged out of " + server + (user != null ? " as " + user : "") + ": its saved token is removed from "
                    + saved.file() + ".");
        } else {
            out.println("No login is saved for " + server + " in " + saved.file() + "; nothing to do.");
        }
        return ExitCodes.OK;
    }
}
