package dev.tether.core.terminal;

/**
 * A session a previous server left to the keeper.
 *
 * @param sessionId the session's id in the store
 * @param pid its program's process id
 * @param exitCode null while the program runs; else how it ended while no server ran (its exit
 *     status, or 128 + the signal)
 */
public record Survivor(long sessionId, long pid, Integer exitCode) {

    public boolean running() {
        return exitCode == null;
    }
}
