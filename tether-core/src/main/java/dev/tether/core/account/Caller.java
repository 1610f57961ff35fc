package dev.tether.core.account;

/**
 * Who is calling.
 *
 * @param ownSessionId the session the call was made from ({@code Tether-Session-Id}), 0 when none
 * @param application non-null for a token restricted to one application: connections it opens are
 *     initiated by that application, and it may disconnect only those
 * @param workspaceId non-null for a workspace token: connections it opens belong to that workspace
 */
public record Caller(String user, boolean admin, long ownSessionId, String application, String workspaceId) {

    public static final Caller SYSTEM = new Caller("system", true, 0);

    /** A plain user or admin token: no application restriction, no workspace. */
    public Caller(String user, boolean admin, long ownSessionId) {
        this(user, admin, ownSessionId, null, null);
    }

    public Caller withOwnSession(long sessionId) {
        return new Caller(user, admin, sessionId, application, workspaceId);
    }

    /** Admins see everything; users see what they own. */
    public boolean maySee(String owner) {
        return admin || user.equals(owner);
    }
}
