package dev.tether.cli;

import sun.misc.Signal;

/** SIGTERM and SIGINT handled as a request to stop cleanly (exit 0), rather than the JVM's abrupt exit 143. */
final class Signals {
    private Signals() {
    }

    static void onTerminate(Runnable action) {
        Signal.handle(new Signal("TERM"), s -> action.run());
        Signal.handle(new Signal("INT"), s -> action.run());
    }
}
