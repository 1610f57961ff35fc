package dev.tether.client.compat;

import dev.tether.api.ResultCode;
import dev.tether.api.StartWorkspace;
import dev.tether.api.TetherException;
import dev.tether.api.WorkspaceInfo;
import dev.tether.client.TetherClient;

/**
 * IWorkspaceScriptable for Java: the workspace runtime's scripting interface, method for method, over
 * {@link dev.tether.client.Workspaces}. A workspace is identified by the connection ID its client chose;
 * its credentials are tied to that id and encrypted at rest.
 *
 * <p>Where the Windows method returns an HRESULT, this one returns normally on S_OK and otherwise throws
 * a {@link TetherException} whose {@code code().hresult()} is the HRESULT (NOT_FOUND 0x80070490,
 * ACCESS_DENIED 0x80070005, ...).
 */
public final class WorkspaceScriptable {
    /** WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE: delete the credentials when the workspace's last connection ends. */
    public static final int WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE = 0x1;
    /** WKS_FLAG_PASSWORD_ENCRYPTED: not supported; Tether encrypts stored credentials itself. */
    public static final int WKS_FLAG_PASSWORD_ENCRYPTED = 0x2;
    /** WKS_FLAG_CREDS_AUTHENTICATED: the credentials are already verified; no OnAuthenticated needed. */
    public static final int WKS_FLAG_CREDS_AUTHENTICATED = 0x4;

    private final TetherClient client;

    public WorkspaceScriptable(TetherClient client) {
        this.client = client;
    }

    /**
     * StartWorkspace: "associates user credentials with a connection ID". The credentials are deleted
     * when {@code timeoutMinutes} pass (0: never). Unless {@link #WKS_FLAG_CREDS_AUTHENTICATED} is set,
     * they are stored but count only as unauthenticated until {@link #onAuthenticated}. The friendly name
     * is the id.
     *
     * @return the workspace token, shown this once: connections opened with it belong to the workspace
     *     (Windows needs none; Tether's clients do)
     */
    public String startWorkspace(String workspaceId, String userName, String password, int timeoutMinutes, int flags) {
        return startWorkspace(workspaceId, workspaceId, userName, password, timeoutMinutes, flags);
    }

    /**
     * StartWorkspaceEx's shape: {@link #startWorkspace(String, String, String, int, int)} with the
     * friendly name that {@link #disconnectWorkspaceByFriendlyName} finds it by.
     */
    public String startWorkspace(String workspaceId, String friendlyName, String userName, String password,
                                 int timeoutMinutes, int flags) {
        if ((flags & WKS_FLAG_PASSWORD_ENCRYPTED) != 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "WKS_FLAG_PASSWORD_ENCRYPTED is not supported for workspace "
                    + workspaceId + ": pass the password itself; Tether encrypts stored credentials at rest");
        }
        int known = WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE | WKS_FLAG_CREDS_AUTHENTICATED;
        if ((flags & ~known) != 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "unknown flags 0x" + Integer.toHexString(flags & ~known)
                    + " for workspace " + workspaceId + "; known: WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE (0x1), WKS_FLAG_CREDS_AUTHENTICATED (0x4)");
        }
        return client.workspaces().start(new StartWorkspace(workspaceId, friendlyName, userName, password, timeoutMinutes,
                (flags & WKS_FLAG_CLEAR_CREDS_ON_LAST_RESOURCE) != 0, (flags & WKS_FLAG_CREDS_AUTHENTICATED) != 0)).token();
    }

    /**
     * DisconnectWorkspace: "disconnects all connections associated with the workspace and deletes its
     * entries from the credential store". The workspace's token is revoked; the sessions keep running.
     * Returns when every connection is DEACTIVATED (each announced by its DisconnectComplete).
     */
    public void disconnectWorkspace(String workspaceId) {
        Results.requireSuccess(client.workspaces().disconnectAsync(workspaceId).await());
    }

    /**
     * DisconnectWorkspaceByFriendlyName: {@link #disconnectWorkspace} for the workspace with this friendly
     * name. A name that two workspaces share is CONFLICT (nothing is disconnected).
     */
    public void disconnectWorkspaceByFriendlyName(String friendlyName) {
        Results.requireSuccess(client.workspaces().disconnectByFriendlyNameAsync(friendlyName).await());
    }

    /**
     * IsWorkspaceCredentialSpecified: whether credentials are stored for the workspace, counting
     * unauthenticated ones only when {@code countUnauthenticatedCredentials}. Expired credentials do not count.
     */
    public boolean isWorkspaceCredentialSpecified(String workspaceId, boolean countUnauthenticatedCredentials) {
        return client.workspaces().isCredentialSpecified(workspaceId, countUnauthenticatedCredentials);
    }

    /**
     * ClearWorkspaceCredential: deletes the workspace's credentials; when the workspace has no active
     * connection it is removed too.
     */
    public void clearWorkspaceCredential(String workspaceId) {
        client.workspaces().clearCredential(workspaceId);
    }

    /**
     * OnAuthenticated: marks the workspace's credentials authenticated (after checking them against the
     * account's password) and restarts their timeout.
     *
     * @param userName the user the credentials are for, as Windows passes it; null skips the check that
     *     it is the one stored (INVALID_PARAMETER when it is not)
     */
    public void onAuthenticated(String workspaceId, String userName) {
        if (userName != null) {
            WorkspaceInfo workspace = client.workspaces().get(workspaceId);
            if (workspace.credentialUser() != null && !workspace.credentialUser().equals(userName)) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the credentials of workspace " + workspaceId
                        + " are for " + workspace.credentialUser() + ", not " + userName);
            }
        }
        client.workspaces().onAuthenticated(workspaceId);
    }
}
