package dev.tether.pty;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -cp … dev.tether.pty.KeeperMain DIR}: runs the session keeper of the runtime folder
 * {@code DIR} until a {@code Stop} closes it; {@code tether keeper} does the same. Exit 0 once
 * stopped, 2 when another keeper runs for the folder or it cannot listen.
 */
public final class KeeperMain {
    private KeeperMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: KeeperMain RUNTIME_DIR");
            System.exit(2);
        }
        System.exit(run(Path.of(args[0])));
    }

    /** Runs a keeper for {@code dir} until it stops; returns the exit code. */
    public static int run(Path dir) throws InterruptedException {
        Keeper keeper;
        try {
            keeper = Keeper.start(dir);
        } catch (IOException e) {
            System.err.println("tether keeper: " + e.getMessage());
            return 2;
        }
        while (!keeper.awaitStop(1, TimeUnit.HOURS)) {
            // runs until stopped
        }
        return 0;
    }
}
