package dev.tether.cli;

import dev.tether.api.Bodies;
import dev.tether.api.ConnectionInfo;
import dev.tether.api.RequestRecord;
import dev.tether.api.StartedWorkspace;
import dev.tether.api.WorkspaceInfo;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether workspace ...}: IWorkspaceScriptable, a workspace being your named group of connections with stored credentials. */
@Command(name = "workspace", mixinStandardHelpOptions = true,
        description = "Start, inspect and disconnect workspaces: your named groups of connections with stored credentials.",
        subcommands = {
            WorkspaceCommands.StartWorkspace.class,
            WorkspaceCommands.ListWorkspaces.class,
            WorkspaceCommands.Get.class,
            WorkspaceCommands.Authenticated.class,
            WorkspaceCommands.Credential.class,
            WorkspaceCommands.ClearCredential.class,
            WorkspaceCommands.Disconnect.class,
        })
final class WorkspaceCommands extends CommandGroup {
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start a workspace: store credentials for workspace ID and print its token, shown this once.",
                "Connections opened with that token belong to the workspace.",
                "The password is asked without echo, or read as the first line of standard input."})
    static final class StartWorkspace extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The workspace ID, which clients also call the connection ID: 1 to 128 letters, digits or any of _ . : { } and -.")
        String id;

        @Option(names = "--friendly-name", paramLabel = "NAME", description = "The name people see (default: the ID).")
        String friendlyName;

        @Option(names = "--user", paramLabel = "NAME", required = true, description = "The account the credentials are for: your own (administrators: any).")
        String userName;

        @Option(names = "--timeout", paramLabel = "MINUTES", description = "Delete the credentials after this long (default 0: never).")
        int timeoutMinutes;

        @Option(names = "--clear-on-last-resource",
                description = "Delete the credentials when the workspace's last connection ends.")
        boolean clearOnLastResource;

        @Option(names = "--authenticated",
                description = "The credentials are already verified; without this, run 'workspace authenticated ID' to verify them.")
        boolean authenticated;

        @Override
        int run() {
            char[] password = Passwords.read("Password for " + userName + ": ", "password", err());
            StartedWorkspace started;
            try {
                started = client().workspaces().start(new dev.tether.api.StartWorkspace(id, friendlyName, userName, new String(password), timeoutMinutes,
                        clearOnLastResource, authenticated));
            } finally {
                Arrays.fill(password, '\0');
            }
            return show(started, out -> out.println(started.token()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List your workspaces: ID, FRIENDLY NAME, CREDENTIALS, EXPIRES, CONNECTIONS.")
    static final class ListWorkspaces extends ClientCommand {
        @Override
        int run() {
            return showTable(client().workspaces().list(), new Table("ID", "FRIENDLY NAME", "CREDENTIALS", "EXPIRES", "CONNECTIONS"),
                    (table, w) -> table.row(w.id(), w.friendlyName(), w.credentialState(),
                            w.expiresAt() == null ? "-" : Text.time(w.expiresAt()), w.connections().size()));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one workspace and its live connections (never the secret).")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The workspace ID.")
        String id;

        @Override
        int run() {
            WorkspaceInfo w = client().workspaces().get(id);
            return show(w, out -> print(out, w));
        }
    }

    @Command(name = "authenticated", mixinStandardHelpOptions = true,
            description = {"Check the stored credentials against the account's password, mark them authenticated and restart their timeout."})
    static final class Authenticated extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The workspace ID.")
        String id;

        @Override
        int run() {
            WorkspaceInfo w = client().workspaces().onAuthenticated(id);
            return show(w, out -> out.println("workspace " + w.id() + ": credentials for " + w.credentialUser() + " are AUTHENTICATED"
                    + (w.expiresAt() == null ? "" : "; they expire at " + Text.time(w.expiresAt()))));
        }
    }

    @Command(name = "credential", mixinStandardHelpOptions = true,
            description = {"Print yes if the workspace has authenticated credentials (with --count-unauthenticated: any), else no.",
                "Exits 0 either way."})
    static final class Credential extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The workspace ID.")
        String id;

        @Option(names = "--count-unauthenticated", description = "Count credentials not yet authenticated too.")
        boolean countUnauthenticated;

        @Override
        int run() {
            boolean specified = client().workspaces().isCredentialSpecified(id, countUnauthenticated);
            return show(Map.of("workspaceId", id, "specified", specified), out -> out.println(specified ? "yes" : "no"));
        }
    }

    @Command(name = "clear-credential", mixinStandardHelpOptions = true,
            description = {"Delete the workspace's credentials; a workspace with no active connection is removed too."})
    static final class ClearCredential extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The workspace ID.")
        String id;

        @Override
        int run() {
            Bodies.CredentialCleared cleared = client().workspaces().clearCredential(id);
            return show(cleared, out -> out.println("workspace " + id + ": credentials deleted; " + (cleared.workspaceRemoved()
                    ? "the workspace is removed (it had no active connection)"
                    : "the workspace stays while it has active connections")));
        }
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = {"Disconnect every connection of the workspace, delete its credentials and revoke its token.",
                "The sessions keep running. Waits until done, unless --no-wait."})
    static final class Disconnect extends ClientCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Parameters(paramLabel = "ID", description = "The workspace ID.")
            String id;

            @Option(names = "--friendly-name", paramLabel = "NAME",
                    description = "The workspace with this friendly name instead of an ID (CONFLICT if several have it).")
            String friendlyName;
        }

        @Option(names = "--no-wait", description = "Print the request id and return without waiting for it to complete.")
        boolean noWait;

        @Override
        int run() {
            RequestRecord accepted = target.friendlyName != null
                    ? client().workspaces().disconnectByFriendlyName(target.friendlyName)
                    : client().workspaces().disconnect(target.id);
            if (noWait || json()) {
                return Outcome.report(this, accepted, noWait);
            }
            RequestRecord done = Outcome.await(this, accepted);
            int count = done.targets().size();
            out().println("workspace " + (target.friendlyName != null ? "'" + target.friendlyName + "'" : target.id) + " disconnected: "
                    + (count == 0 ? "no connection was open" : count == 1 ? "1 connection" : count + " connections")
                    + "; its credentials are deleted and its token revoked");
            return Report.targets(done, out(), err());
        }
    }

    static void print(PrintWriter out, WorkspaceInfo w) {
        var fields = new Fields();
        fields.put("id", w.id());
        fields.put("friendly name", w.friendlyName());
        fields.put("user", w.user());
        fields.put("created", Text.time(w.createdAt()));
        fields.put("credentials", w.credentialState() + (w.credentialUser() == null ? "" : " (for " + w.credentialUser() + ")"));
        fields.put("timeout", w.timeoutMinutes() == 0 ? "none" : w.timeoutMinutes() + " min");
        fields.put("expires", w.expiresAt() == null ? "-" : Text.time(w.expiresAt()));
        fields.put("clear on last", w.clearCredsOnLastResource() ? "yes" : "no");
        fields.put("connections", w.connections().isEmpty() ? "none"
                : String.join(", ", w.connections().stream().map(WorkspaceCommands::describe).toList()));
        fields.print(out);
    }

    private static String describe(ConnectionInfo c) {
        return c.id() + " (session " + c.sessionId() + ", " + c.state() + ")";
    }
}
