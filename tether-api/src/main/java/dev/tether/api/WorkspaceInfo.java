package dev.tether.api;

import java.time.Instant;
import java.util.List;

/** A workspace as the API shows it: never the secret. */
public record WorkspaceInfo(String id, String friendlyName, String user, Instant createdAt,
                     CredentialState credentialState, String credentialUser, int timeoutMinutes,
                     Instant expiresAt, boolean clearCredsOnLastResource, List<ConnectionInfo> connections) {
}
