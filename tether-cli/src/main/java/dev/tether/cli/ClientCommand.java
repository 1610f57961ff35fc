package dev.tether.cli;

import dev.tether.client.TetherClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to a server: resolves the global options once, and closes its client when done. */
abstract class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private TetherClient client;
    private Connection connection;

    /** The command's work; returns the exit code. */
    abstract int run();

    @Override
    public final Integer call() {
        try {
            return run();
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    final Main global() {
        return (Main) spec.root().userObject();
    }

    final boolean json() {
        return global().json;
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    final Connection connection() {
        if (connection == null) {
            connection = Connection.resolve(global().server, global().token);
        }
        return connection;
    }

    final TetherClient client() {
        if (client == null) {
            client = connection().open();
        }
        return client;
    }

    /** Prints {@code value} as JSON under {@code --json}, else as {@code human} writes it; returns {@link ExitCodes#OK}. */
    final int show(Object value, Consumer<PrintWriter> human) {
        if (json()) {
            JsonOut.print(out(), value);
        } else {
            human.accept(out());
        }
        return ExitCodes.OK;
    }

    /** Prints {@code items} as a JSON array under {@code --json}, else as {@code table} with a {@code row} per item. */
    final <T> int showTable(List<T> items, Table table, BiConsumer<Table, T> row) {
        return show(items, out -> {
            items.forEach(item -> row.accept(table, item));
            table.print(out);
        });
    }

    /** True when a person is at a terminal (stdin and stdout are ttys) and JSON was not asked for. */
    final boolean interactive() {
        return System.console() != null && !json();
    }
}
