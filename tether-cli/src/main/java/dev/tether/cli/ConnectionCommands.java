package dev.tether.cli;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether connection list|get|disconnect}: IMbnConnection's connections, one client attached to one session each. */
@Command(name = "connection", mixinStandardHelpOptions = true,
        description = "List, show and disconnect connections (one client attached to one session).",
        subcommands = {ConnectionCommands.ListConnections.class, ConnectionCommands.Get.class, ConnectionCommands.Disconnect.class})
final class ConnectionCommands extends CommandGroup {
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List connections: ID, SESSION, USER, APPLICATION, WORKSPACE, CLIENT, STATE, CONNECTED.",
                "Without --all-states or --state, only those not DEACTIVATED."})
    static final class ListConnections extends ClientCommand {
        @Option(names = "--session", paramLabel = "ID", description = "Only connections to this session.")
        String session;

        @Option(names = "--state", paramLabel = "STATE",
                description = "Only connections in this state: ACTIVATED (1), ACTIVATING (2), DEACTIVATED (3) or DEACTIVATING (4).")
        String state;

        @Option(names = "--workspace", paramLabel = "ID", description = "Only connections of this workspace.")
        String workspace;

        @Option(names = "--all-states", description = "Include DEACTIVATED connections (the history).")
        boolean allStates;

        @Override
        int run() {
            ConnectionState wanted = state == null ? null : parseState(state);
            var query = new ConnectionQuery(session == null ? null : Ids.parse("session", session), wanted, workspace, null);
            List<ConnectionInfo> found = client().connections().list(query).stream()
                    .filter(c -> allStates || wanted != null || c.state() != ConnectionState.DEACTIVATED)
                    .toList();
            return showTable(found, new Table("ID", "SESSION", "USER", "APPLICATION", "WORKSPACE", "CLIENT", "STATE", "CONNECTED"),
                    (table, c) -> table.row(c.id(), c.sessionId(), c.user(), dash(c.application()), dash(c.workspaceId()),
                            dash(c.clientName()), c.state(), Text.time(c.connectedAt())));
        }

        static ConnectionState parseState(String text) {
            for (ConnectionState s : ConnectionState.values()) {
                if (s.name().equalsIgnoreCase(text) || Integer.toString(s.code()).equals(text)) {
                    return s;
                }
            }
            throw new TetherException(ResultCode.INVALID_PARAMETER, "--state " + text
                    + " is not a connection state: use ACTIVATED (1), ACTIVATING (2), DEACTIVATED (3) or DEACTIVATING (4)");
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one connection, also after it ended.")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The connection id.")
        String id;

        @Override
        int run() {
            ConnectionInfo c = client().connections().get(Ids.parse("connection", id));
            return show(c, out -> print(out, c));
        }

        static void print(PrintWriter out, ConnectionInfo c) {
            var fields = new Fields();
            fields.put("id", c.id());
            fields.put("session", c.sessionId());
            fields.put("user", c.user());
            fields.put("application", dash(c.application()));
            fields.put("workspace", dash(c.workspaceId()));
            fields.put("client", dash(c.clientName()));
            fields.put("remote", dash(c.remote()));
            fields.put("state", c.state() + " (" + c.stateCode() + ")");
            fields.put("connected", Text.time(c.connectedAt()));
            if (c.disconnectedAt() != null) {
                fields.put("disconnected", Text.time(c.disconnectedAt()));
                fields.put("reason", c.disconnectReason());
            }
            fields.put("bytes in", c.bytesIn());
            fields.put("bytes out", c.bytesOut());
            fields.print(out);
        }
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = {"Disconnect one connection: its client is let go, and the session keeps running.",
                "Waits until it is DEACTIVATED; --no-wait prints the request id at once.",
                "A connection that is already disconnected is NOT_FOUND."})
    static final class Disconnect extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The connection id.")
        String id;

        @Option(names = "--no-wait", description = "Print the request id and return without waiting for it to complete.")
        boolean noWait;

        @Override
        int run() {
            long connectionId = Ids.parse("connection", id);
            RequestRecord accepted = client().connections().disconnect(connectionId);
            return Outcome.report(this, accepted, noWait);
        }
    }

    static String dash(String value) {
        return value == null || value.isBlank() ? "-" : value;
    }
}
