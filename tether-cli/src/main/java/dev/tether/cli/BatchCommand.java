package dev.tether.cli;

import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.client.TetherClient;
import java.io.Console;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code session disconnect|close|lock|unlock}: Disconnect-, Close-, Lock- and Unlock-WmsSession, with
 * {@code -SessionId} / {@code -All}, {@code -WhatIf} and {@code -Confirm}.
 *
 * <p>{@code --what-if} and {@code --confirm} both start with the server's what-if answer, so the targets
 * and their descriptions are the server's, and nothing changes until a person says yes.
 */
abstract class BatchCommand extends ClientCommand {

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Session ids.")
    List<String> ids = new ArrayList<>();

    @Option(names = "--all", description = "Every session you may see; your own session (TETHER_SESSION_ID) is skipped.")
    boolean all;

    @Option(names = "--what-if", description = "Say what would be done, and do nothing.")
    boolean whatIf;

    @Option(names = "--confirm", description = "Ask before each session: [Y] Yes  [A] Yes to All  [N] No  [L] No to All. Needs a terminal.")
    boolean confirm;

    @Option(names = "--no-wait", description = "Print the request id and return without waiting for it to complete.")
    boolean noWait;

    /** Exit code owed to targets the what-if preview already showed failing (under --confirm). */
    private int failedInPreview = ExitCodes.OK;

    /** The operation as PowerShell names it: {@code Disconnect}, {@code Close}. */
    private final String operation;

    /** {@code Disconnecting}, for the progress bar. */
    private final String progressLabel;

    BatchCommand(String operation, String progressLabel) {
        this.operation = operation;
        this.progressLabel = progressLabel;
    }

    abstract RequestRecord submit(TetherClient client, Selection selection);

    @Override
    final int run() {
        Selection selection = targets();
        if (confirm && !whatIf && System.console() == null) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "--confirm needs a terminal to ask on and there is none"
                    + " (stdin or stdout is not a terminal); nothing was changed. Use --what-if to see what would be done.");
        }
        if (whatIf) {
            return printWhatIf(submit(client(), selection.asWhatIf()));
        }
        if (confirm) {
            selection = askPerTarget(selection);
            if (selection == null) {
                return failedInPreview;
            }
        }
        RequestRecord accepted = submit(client(), selection);
        if (noWait) {
            return Outcome.accepted(this, accepted);
        }
        int exit = Outcome.completed(this, await(accepted));
        // Under --json the request's answer alone decides; else targets the preview showed failing count too.
        return exit != ExitCodes.OK || json() ? exit : failedInPreview;
    }

    private Selection targets() {
        if (all && !ids.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "give session ids or --all, not both");
        }
        if (!all && ids.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "give one or more session ids, or --all");
        }
        if (all) {
            return Selection.everything();
        }
        return Selection.of(ids.stream().map(text -> Ids.parse("session", text)).toList());
    }

    private int printWhatIf(RequestRecord answer) {
        if (json()) {
            return Outcome.completed(this, answer);
        }
        int exit = ExitCodes.OK;
        for (TargetResult target : answer.targets()) {
            switch (target.status()) {
                case FAILED -> {
                    out().flush();
                    err().println(Report.failure(target));
                    exit = ExitCodes.FAILED;
                }
                case SKIPPED -> out().println("What if: Skipping target \"" + Report.label(target) + "\""
                        + (target.message() != null ? ": " + target.message() : "") + ".");
                default -> out().println("What if: Performing the operation \"" + operation + "\" on target \""
                        + Report.label(target) + "\".");
            }
        }
        if (answer.targets().isEmpty()) {
            out().println("What if: no session to " + operation.toLowerCase(Locale.ROOT) + ".");
        }
        return exit;
    }

    /** Asks about each target the server would act on; returns the chosen ones, or null if none. */
    private Selection askPerTarget(Selection selection) {
        RequestRecord preview = submit(client(), selection.asWhatIf());
        Console console = System.console();
        List<Long> chosen = new ArrayList<>();
        boolean yesToAll = false;
        boolean noToAll = false;
        for (TargetResult target : preview.targets()) {
            if (target.status() == TargetStatus.FAILED) {
                err().println(Report.failure(target));
                err().flush();
                failedInPreview = ExitCodes.FAILED;
                continue;
            }
            if (target.status() == TargetStatus.SKIPPED) {
                out().println(Report.line(target));
                continue;
            }
            if (noToAll) {
                continue;
            }
            if (yesToAll) {
                chosen.add(target.id());
                continue;
            }
            switch (Confirm.ask(console, operation, Report.label(target))) {
                case YES -> chosen.add(target.id());
                case YES_TO_ALL -> {
                    yesToAll = true;
                    chosen.add(target.id());
                }
                case NO -> {
                }
                case NO_TO_ALL -> noToAll = true;
            }
        }
        out().flush();
        if (chosen.isEmpty()) {
            out().println("Nothing was done.");
            return null;
        }
        return Selection.of(chosen);
    }

    private RequestRecord await(RequestRecord accepted) {
        if (accepted.status() == RequestStatus.COMPLETED) {
            return accepted;
        }
        if (!interactive() || accepted.targets().size() < 2) {
            return client().requests().await(accepted.id());
        }
        try (var bar = new Progress(err(), progressLabel, accepted.targets().size())) {
            while (true) {
                RequestRecord now = client().requests().get(accepted.id());
                bar.update((int) now.targets().stream().filter(t -> t.status() != TargetStatus.PENDING).count());
                if (now.status() == RequestStatus.COMPLETED) {
                    return now;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TetherException(ResultCode.CANCELLED, "interrupted while waiting for request " + accepted.id());
                }
            }
        }
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = {"Disconnect sessions: every client is detached, and the programs keep running.",
                "Waits for completion and prints one line per session, unless --no-wait."})
    static final class Disconnect extends BatchCommand {
        Disconnect() {
            super("Disconnect", "Disconnecting");
        }

        @Override
        RequestRecord submit(TetherClient client, Selection selection) {
            return client.sessions().disconnect(selection);
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true,
            description = {"Close (log off) sessions: hang up, terminate, then kill their programs.",
                "Only administrators close administrators' sessions. Waits for completion unless --no-wait."})
    static final class Close extends BatchCommand {
        Close() {
            super("Close", "Closing");
        }

        @Override
        RequestRecord submit(TetherClient client, Selection selection) {
            return client.sessions().close(selection);
        }
    }

    @Command(name = "lock", mixinStandardHelpOptions = true,
            description = {"Lock sessions: attached clients show a lock screen with the message.",
                "Input is ignored and output is held back until 'session unlock'. Waits until done, unless --no-wait."})
    static final class Lock extends BatchCommand {
        @Option(names = "--message", paramLabel = "TEXT", required = true, description = "What the lock screen says (required).")
        String message;

        Lock() {
            super("Lock", "Locking");
        }

        @Override
        RequestRecord submit(TetherClient client, Selection selection) {
            return client.sessions().lock(selection, message);
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true,
            description = {"Unlock sessions: an administrator needs no password, an owner gives theirs with --password-stdin.",
                "Waits until done, unless --no-wait."})
    static final class Unlock extends BatchCommand {
        @Option(names = "--password-stdin",
                description = "Read your password as the first line of standard input (asked without echo on a terminal).")
        boolean passwordStdin;

        private char[] password;

        Unlock() {
            super("Unlock", "Unlocking");
        }

        @Override
        RequestRecord submit(TetherClient client, Selection selection) {
            if (passwordStdin && password == null) {
                password = Passwords.read("Password: ", "password", err());
            }
            return client.sessions().unlock(selection, password);
        }
    }
}
