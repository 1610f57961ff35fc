package dev.tether.cli;

import dev.tether.core.Accounts.NewUser;
import dev.tether.core.UserRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tether user add|list} (administrators only) and {@code tether user passwd}. */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Add and list users (administrators only); set passwords (your own, or anyone's as an administrator).",
        subcommands = {UserCommands.Add.class, UserCommands.ListUsers.class, UserCommands.Passwd.class})
final class UserCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a user and print its token (shown this once; pass it with --token or TETHER_TOKEN).")
    static final class Add extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "Lowercase letters, digits, _ . - ; up to 32 characters.")
        String name;

        @Option(names = "--admin", description = "An administrator: sees and manages every session.")
        boolean admin;

        @Override
        int run() {
            NewUser created = client().users().add(name, admin);
            if (json()) {
                JsonOut.print(out(), created);
            } else {
                out().println(created.token());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users: ID, NAME, ADMIN, CREATED.")
    static final class ListUsers extends ClientCommand {
        @Override
        int run() {
            List<UserRecord> users = client().users().list();
            if (json()) {
                JsonOut.print(out(), users);
                return ExitCodes.OK;
            }
            var table = new Table("ID", "NAME", "ADMIN", "CREATED");
            users.forEach(u -> table.row(u.id(), u.name(), u.admin() ? "yes" : "no", Text.time(u.createdAt())));
            table.print(out());
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = {"Set a user's password (8 to 1024 characters), for 'tether login' and unlocking sessions.",
                "Asked twice on the terminal without echo, or read once as the first line of stdin."})
    static final class Passwd extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The user: yourself, or anyone if you are an administrator.")
        String name;

        @Override
        int run() {
            char[] password = Passwords.readNew("New password for " + name + ": ", "password", err());
            try {
                client().users().passwd(name, password);
            } finally {
                Arrays.fill(password, '\0');
            }
            if (json()) {
                JsonOut.print(out(), Map.of("user", name, "passwordSet", true));
            } else {
                out().println("Password set for " + name + ".");
            }
            return ExitCodes.OK;
        }
    }
}
