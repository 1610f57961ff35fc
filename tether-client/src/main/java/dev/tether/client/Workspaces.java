package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.api.Bodies;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.StartWorkspace;
import dev.tether.api.StartedWorkspace;
import dev.tether.api.TetherException;
import dev.tether.api.WorkspaceInfo;
import java.util.List;

/**
 * Workspaces ({@code /workspaces}) with IWorkspaceScriptable's semantics: a workspace is the caller's
 * named group of connections with stored credentials, its id being the connection ID the client chose.
 * The stored secret is never returned by any call.
 */
public final class Workspaces {
    private static final JavaType STARTED = Json.type(StartedWorkspace.class);
    private static final JavaType WORKSPACE = Json.type(WorkspaceInfo.class);
    private static final JavaType WORKSPACES = Json.listOf(WorkspaceInfo.class);
    private static final JavaType CLEARED = Json.type(Bodies.CredentialCleared.class);
    private static final JavaType NODE = Json.type(JsonNode.class);

    private final Http http;
    private final Requests requests;

    Workspaces(Http http, Requests requests) {
        this.http = http;
        this.requests = requests;
    }


    /**
     * StartWorkspace: ties the credentials to the workspace id (creating the workspace, or replacing its
     * credentials) and returns a workspace token, shown this once; connections opened with that token
     * belong to the workspace. The credentials are deleted after {@code timeoutMinutes} (0: never).
     */
    public StartedWorkspace start(StartWorkspace start) {
        byte[] bytes = Json.write(Bodies.StartWorkspaceBody.of(start)); // zeroed after the call
        return http.postSecret("/workspaces", bytes, STARTED);
    }

    /** The caller's workspaces (an administrator's: everyone's). */
    public List<WorkspaceInfo> list() {
        return http.get("/workspaces", WORKSPACES);
    }

    /** One of the caller's workspaces; NOT_FOUND otherwise. */
    public WorkspaceInfo get(String id) {
        return http.get(path(id), WORKSPACE);
    }

    /**
     * OnAuthenticated: verifies the stored credentials against the account they name, marks them
     * authenticated and restarts their timeout. ACCESS_DENIED when they do not match.
     */
    public WorkspaceInfo onAuthenticated(String id) {
        return http.post(path(id) + "/authenticated", null, WORKSPACE);
    }

    /** IsWorkspaceCredentialSpecified: authenticated credentials, or unauthenticated ones too when asked. */
    public boolean isCredentialSpecified(String id, boolean countUnauthenticated) {
        JsonNode answer = http.get(path(id) + "/credential?countUnauthenticated=" + countUnauthenticated, NODE);
        return answer.path("specified").asBoolean();
    }

    /** ClearWorkspaceCredential: deletes the credentials; a workspace with no active connection goes too. */
    public Bodies.CredentialCleared clearCredential(String id) {
        return http.delete(path(id) + "/credential", CLEARED);
    }

    /**
     * DisconnectWorkspace: disconnects every connection of the workspace (each with its
     * DisconnectComplete carrying this request's id), deletes its credentials and revokes its token.
     * The sessions keep running. Returns the request as accepted.
     */
    public RequestRecord disconnect(String id) {
        return http.post(path(id) + "/disconnect", null, Requests.REQUEST);
    }

    public PendingRequest disconnectAsync(String id) {
        return requests.pending(disconnect(id));
    }

    /** DisconnectWorkspaceByFriendlyName: the same, by friendly name; a name two workspaces share is CONFLICT. */
    public RequestRecord disconnectByFriendlyName(String friendlyName) {
        return http.post("/workspaces/disconnect", new Bodies.FriendlyName(friendlyName), Requests.REQUEST);
    }

    public PendingRequest disconnectByFriendlyNameAsync(String friendlyName) {
        return requests.pending(disconnectByFriendlyName(friendlyName));
    }

    private static String path(String id) {
        if (id == null || id.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "a workspace id is required");
        }
        return "/workspaces/" + Http.segment(id);
    }
}
