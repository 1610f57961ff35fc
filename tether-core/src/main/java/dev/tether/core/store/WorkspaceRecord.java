package dev.tether.core.store;

import java.time.Instant;

/**
 * A user's named group of connections (IWorkspaceScriptable). Its credentials live apart, in
 * {@link CredentialRecord}, so that deleting them removes every byte of the secret.
 *
 * @param id the connection ID the client chose; unique per user
 * @param clearCredsOnLastResource delete the credentials when the workspace's last connection ends
 */
public record WorkspaceRecord(String user, String id, String friendlyName, boolean clearCredsOnLastResource,
                              Instant createdAt) {
}
