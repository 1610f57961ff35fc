package dev.tether.core;

/**
 * Why a client's attachment ended.
 *
 * @param kind DISCONNECTED: the session goes on without this client; ENDED: the session is closed;
 *     RESTARTING: the server stops and the session goes on in the keeper (a client reconnects)
 * @param reason a sentence: {@code disconnected by alice}, {@code too slow}, {@code logoff by bob}, {@code program exited}
 * @param exitCode the program's exit code when ENDED by its exit, else null
 */
public record EndNotice(Kind kind, String reason, Integer exitCode) {

    public enum Kind { DISCONNECTED, ENDED, RESTARTING }

    public static EndNotice disconnected(String reason) {
        return new EndNotice(Kind.DISCONNECTED, reason, null);
    }

    public static EndNotice restarting(String reason) {
        return new EndNotice(Kind.RESTARTING, reason, null);
    }

    public static EndNotice ended(String reason, Integer exitCode) {
        return new EndNotice(Kind.ENDED, reason, exitCode);
    }
}
