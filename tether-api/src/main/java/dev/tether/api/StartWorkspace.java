package dev.tether.api;

/** StartWorkspace's arguments. {@code password} is the secret; it is sealed at once and the array is not kept. */
public record StartWorkspace(String id, String friendlyName, String userName, String password, Integer timeoutMinutes,
                             Boolean clearCredsOnLastResource, Boolean credsAuthenticated) {
    @Override
    public String toString() { // never print the secret
        return "StartWorkspace[id=" + id + ", friendlyName=" + friendlyName + ", userName=" + userName + "]";
    }
}
