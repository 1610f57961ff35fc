package dev.tether.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tether token create --app NAME}: tokens restricted to one application. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create tokens for your own account.",
        subcommands = TokenCommands.Create.class)
final class TokenCommands extends CommandGroup {
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a token restricted to one application and print it (shown this once).",
                "Connections opened with it are initiated by that application, and it may disconnect only those."})
    static final class Create extends ClientCommand {
        @Option(names = "--app", paramLabel = "NAME", required = true,
                description = "The application: 1 to 64 of letters, digits, _ . - starting with a letter.")
        String application;

        @Override
        int run() {
            String token = client().tokens().create(application);
            return show(Map.of("application", application, "token", token), out -> out.println(token));
        }
    }
}
