package dev.tether.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr ({@code Closing [#####.....] 5/10}), erased when done. Terminals only. */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final int total;
    private int shown = -1;

    Progress(PrintWriter err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
        update(0);
    }

    void update(int done) {
        if (done == shown) {
            return;
        }
        shown = done;
        int filled = (int) ((long) WIDTH * Math.min(done, total) / total);
        err.print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total);
        err.flush();
    }

    @Override
    public void close() {
        err.print("\r\033[K");
        err.flush();
    }
}
