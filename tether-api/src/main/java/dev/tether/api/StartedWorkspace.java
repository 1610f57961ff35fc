package dev.tether.api;

/** A started workspace and its token: connections opened with the token belong to the workspace. */
public record StartedWorkspace(WorkspaceInfo workspace, String token) {
    @Override
    public String toString() { // never print the token
        return "StartedWorkspace[workspace=" + workspace.id() + "]";
    }
}
