package dev.tether.cli;

import dev.tether.api.NewUser;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether user add|set|list} (administrators only) and {@code tether user passwd}. */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Add, change and list users (administrators only); set passwords (your own, or anyone's as an administrator).",
        subcommands = {UserCommands.Add.class, UserCommands.Set.class, UserCommands.ListUsers.class, UserCommands.Passwd.class})
final class UserCommands extends CommandGroup {
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a user and print its token (shown this once; pass it with --token or TETHER_TOKEN).")
    static final class Add extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "Lowercase letters, digits, _ . - ; up to 32 characters.")
        String name;

        @Option(names = "--admin", description = "An administrator: sees and manages every session.")
        boolean admin;

        @Option(names = "--os-user", paramLabel = "ACCOUNT",
                description = "In multi-user mode, the Linux account the user's sessions log on to (default: the one of the same name).")
        String osUser;

        @Override
        int run() {
            NewUser created = client().users().add(name, admin, osUser);
            warnAboutSessions();
            return show(created, out -> out.println(created.token()));
        }

        /** On stderr, so stdout stays the token alone (scripts read it). */
        private void warnAboutSessions() {
            var server = client().server();
            if (server.multiUser()) {
                String account = osUser != null ? osUser : name;
                err().println("Note: " + name + "'s sessions log on to the Linux account " + account + " (it must exist on "
                        + server.name() + "; a session of a missing account is refused).");
            } else if (admin) {
                err().println("Note: this server is in personal mode: " + name + "'s sessions run as the server's own account.");
            } else if (server.sharedAccountSessions()) {
                err().println("Warning: this server runs with --shared-account-sessions: " + name + "'s sessions run as the"
                        + " server's own account, so " + name + " can read its data directory (admin.token, master.key)"
                        + " and act as the administrator.");
            } else {
                err().println("Note: " + name + " cannot start sessions: on this server only administrators do"
                        + " (sessions run as the server's own account; see serve --shared-account-sessions).");
            }
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Change a user: the Linux account its sessions log on to in multi-user mode.")
    static final class Set extends ClientCommand {
        @Parameters(paramLabel = "NAME", description = "The user.")
        String name;

        @Option(names = "--os-user", paramLabel = "ACCOUNT", required = true,
                description = "The Linux account of the user's new sessions; an empty value means the account of the user's name.")
        String osUser;

        @Override
        int run() {
            var changed = client().users().setOsUser(name, osUser.isBlank() ? null : osUser);
            return show(changed, out -> out.println(name + "'s new sessions log on to the Linux account " + changed.linuxAccount() + "."));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users: ID, NAME, ADMIN, ACCOUNT (the Linux account of their sessions in multi-user mode), CREATED.")
    static final class ListUsers extends ClientCommand {
        @Override
        int run() {
            return showTable(client().users().list(), new Table("ID", "NAME", "ADMIN", "ACCOUNT", "CREATED"),
                    (table, u) -> table.row(u.id(), u.name(), u.admin() ? "yes" : "no", u.linuxAccount(), Text.time(u.createdAt())));
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
            return show(Map.of("user", name, "passwordSet", true), out -> out.println("Password set for " + name + "."));
        }
    }
}
