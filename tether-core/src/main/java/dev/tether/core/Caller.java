package dev.tether.core;

/**
 * Who is calling.
 *
 * @param ownSessionId the session the call was made from ({@code Tether-Session-Id}), 0 when none
 */
public record Caller(String user, boolean admin, long ownSessionId) {

    public static final Caller SYSTEM = new Caller("system", true, 0);

    public Caller withOwnSession(long sessionId) {
        return new Caller(user, admin, sessionId);
    }

    /** Admins see everything; users see what they own. */
    public boolean maySee(String owner) {
        return admin || user.equals(owner);
    }
}
