package dev.tether.cli;

import dev.tether.api.Bodies;
import java.util.LinkedHashMap;
import picocli.CommandLine.Command;

/** {@code tether whoami}: who later commands act as, on which server, and where the token came from. */
@Command(name = "whoami", mixinStandardHelpOptions = true,
        description = "Show who your commands run as: the user, whether an administrator, the server,"
                + " and where the token came from: --token, $TETHER_TOKEN, a saved login, or the administrator's token file.")
final class WhoamiCommand extends ClientCommand {

    @Override
    int run() {
        Bodies.ServerView info = client().server();
        var answer = new LinkedHashMap<String, Object>();
        answer.put("user", info.caller().name());
        answer.put("admin", info.caller().admin());
        answer.put("server", connection().server().toString());
        answer.put("tokenFrom", connection().tokenFrom());
        return show(answer, out -> out.println(info.caller().name() + (info.caller().admin() ? " (administrator)" : " (not an administrator)")
                + " on " + connection().server() + " (" + info.name() + "), with the token from " + connection().tokenFrom() + "."));
    }
}
