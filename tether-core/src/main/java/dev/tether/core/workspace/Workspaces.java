package dev.tether.core.workspace;

import dev.tether.api.Bodies;
import dev.tether.api.ConnectionInfo;
import dev.tether.api.CredentialState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.StartWorkspace;
import dev.tether.api.StartedWorkspace;
import dev.tether.api.TetherException;
import dev.tether.api.WorkspaceInfo;
import dev.tether.core.Connections;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.account.PasswordChecks;
import dev.tether.core.request.Submitted;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.CredentialVault;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.Store;
import dev.tether.core.store.WorkspaceRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Workspaces and their credential store, with IWorkspaceScriptable's semantics.
 *
 * <p>A workspace is a user's named group of connections (its id is the connection ID the client
 * chose) with stored credentials. The secret is only ever kept sealed by the {@link CredentialVault},
 * bound to {@code user/id}; it is never logged and never returned. Credentials expire
 * {@code timeoutMinutes} after they were stored or last authenticated ({@link #sweep} deletes them;
 * until then {@link #isCredentialSpecified} already treats them as gone). Connections opened with
 * the workspace's token belong to it; disconnecting the workspace lets every one of them go,
 * deletes the credentials and revokes the token.
 */
public final class Workspaces {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:{}-]{1,128}");
    private static final int MAX_TIMEOUT_MINUTES = 525_600; // a year

    private final Store store;
    private final Connections connections;
    private final Accounts accounts;
    private final CredentialVault vault;
    private final InstantSource clock;

    /** Passwords are verified through {@code accounts}' bounded, throttled {@link PasswordChecks}. */
    public Workspaces(Store store, Connections connections, Accounts accounts, CredentialVault vault, InstantSource clock) {
        this.store = store;
        this.connections = connections;
        this.accounts = accounts;
        this.vault = vault;
        this.clock = clock;
        connections.onConnectionEnded(this::connectionEnded);
    }

    // ---------------------------------------------------------------- StartWorkspace

    /**
     * Ties credentials to the workspace id (creating the workspace, or replacing its credentials),
     * to be deleted when {@code timeoutMinutes} pass (0: never), and issues a workspace token.
     * Unless {@code credsAuthenticated}, the credentials are stored but count only as
     * unauthenticated until {@link #onAuthenticated}.
     */
    public CompletableFuture<StartedWorkspace> start(Caller caller, StartWorkspace request) {
        try {
            requireUserToken(caller, "start a workspace");
            String id = checkId(request.id());
            String friendly = request.friendlyName() == null || request.friendlyName().isBlank() ? id : request.friendlyName().strip();
            if (friendly.length() > 128) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the friendly name of workspace " + id + " is longer than 128 characters");
            }
            if (request.userName() == null || request.userName().isBlank()) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "workspace " + id + " needs the userName its credentials are for");
            }
            // Else OnAuthenticated would test any password against any account: an oracle. Decided
            // before any lookup, so the answer says nothing about the other account.
            if (!caller.admin() && !request.userName().strip().equals(caller.user())) {
                throw new TetherException(ResultCode.ACCESS_DENIED, "workspace " + id + " may hold credentials only for your own account ("
                        + caller.user() + "), not for " + request.userName().strip() + "; only administrators store them for other accounts");
            }
            if (request.password() == null || request.password().isEmpty() || request.password().length() > 1024) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "workspace " + id + " needs a password of 1 to 1024 characters");
            }
            int timeout = request.timeoutMinutes() == null ? 0 : request.timeoutMinutes();
            if (timeout < 0 || timeout > MAX_TIMEOUT_MINUTES) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "timeoutMinutes " + timeout + " of workspace " + id
                        + " is outside 0.." + MAX_TIMEOUT_MINUTES + " (0 means no timeout)");
            }
            boolean authenticated = Boolean.TRUE.equals(request.credsAuthenticated());
            boolean clearOnLast = Boolean.TRUE.equals(request.clearCredsOnLastResource());
            byte[] secret = request.password().getBytes(StandardCharsets.UTF_8);
            byte[] sealed;
            try {
                sealed = vault.seal(secret, associatedData(caller.user(), id));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
            Instant now = clock.instant();
            var credential = new CredentialRecord(caller.user(), id, request.userName().strip(), sealed,
                    authenticated ? CredentialState.AUTHENTICATED : CredentialState.UNAUTHENTICATED, timeout, expiry(now, timeout));
            return store.write(tx -> {
                Optional<WorkspaceRecord> existing = tx.workspace(caller.user(), id);
                WorkspaceRecord w = new WorkspaceRecord(caller.user(), id, friendly, clearOnLast,
                        existing.map(WorkspaceRecord::createdAt).orElse(now));
                if (existing.isPresent()) {
                    tx.deleteWorkspace(caller.user(), id);
                }
                tx.insertWorkspace(w);
                tx.putCredential(credential);
                String token = accounts.issueWorkspaceToken(tx, caller.user(), id);
                tx.append(event(caller.user(), new Event.WorkspaceStarted(id, friendly, credential.state(), timeout,
                        existing.isPresent(), caller.user())));
                return new StartedWorkspace(info(w, Optional.of(credential)), token);
            });
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---------------------------------------------------------------- OnAuthenticated

    /**
     * Verifies the stored credentials against the account they name (its Argon2id password hash),
     * marks them authenticated and resets their timeout.
     */
    public CompletableFuture<WorkspaceInfo> onAuthenticated(Caller caller, String id) {
        String user = caller.user();
        if (caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(workspaceTokenRefused(caller, "verify credentials"));
        }
        return store.read(tx -> {
            CredentialRecord c = liveCredential(tx, user, id).orElseThrow(() -> noCredentials(id));
            return Map.entry(c, tx.passwordHash(c.userName()));
        }).thenCompose(found -> {
            CredentialRecord c = found.getKey();
            byte[] secret = vault.open(c.sealed(), associatedData(user, id));
            char[] password = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(secret)).array();
            Arrays.fill(secret, (byte) 0);
            // An account that does not exist or has no password fails as a wrong password does, as
            // slowly (the gate checks a dummy hash) and in the same words: no more than a failed log-on tells.
            return accounts.passwords().verify(c.userName(), Accounts.callerOrigin(caller), password, found.getValue())
                    .whenComplete((ok, e) -> Arrays.fill(password, '\0'))
                    .thenApply(ok -> {
                        if (!ok) {
                            throw new TetherException(ResultCode.ACCESS_DENIED, "the credentials stored for workspace " + id
                                    + " do not match the password of the account " + c.userName());
                        }
                        return c;
                    });
        }).thenCompose(c -> store.write(tx -> {
            CredentialRecord current = liveCredential(tx, user, id).orElseThrow(() -> noCredentials(id));
            CredentialRecord verified = current.withState(CredentialState.AUTHENTICATED, expiry(clock.instant(), current.timeoutMinutes()));
            tx.putCredential(verified);
            tx.append(event(user, new Event.WorkspaceAuthenticated(id, user)));
            return info(tx.workspace(user, id).orElseThrow(() -> noWorkspace(id)), Optional.of(verified));
        }));
    }

    // ---------------------------------------------------------------- IsWorkspaceCredentialSpecified

    /** Whether the workspace has credentials: authenticated ones, or unauthenticated ones too when asked. */
    public CompletableFuture<Boolean> isCredentialSpecified(Caller caller, String id, boolean countUnauthenticated) {
        if (caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(workspaceTokenRefused(caller, "read credentials"));
        }
        return store.read(tx -> liveCredential(tx, caller.user(), id)
                .map(c -> countUnauthenticated || c.state() == CredentialState.AUTHENTICATED)
                .orElse(false));
    }

    // ---------------------------------------------------------------- ClearWorkspaceCredential

    /** Deletes the credentials; a workspace with no active connection is removed with them. */
    public CompletableFuture<Bodies.CredentialCleared> clearCredential(Caller caller, String id) {
        if (caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(workspaceTokenRefused(caller, "clear credentials"));
        }
        String user = caller.user();
        boolean active = !connections.liveConnections(user, id).isEmpty();
        return store.write(tx -> {
            tx.workspace(user, id).orElseThrow(() -> noWorkspace(id));
            tx.deleteCredential(user, id);
            if (!active) {
                tx.deleteWorkspace(user, id);
            }
            tx.append(event(user, new Event.WorkspaceCredentialCleared(id, !active, user, null)));
            return new Bodies.CredentialCleared(id, true, !active);
        });
    }

    // ---------------------------------------------------------------- DisconnectWorkspace

    /**
     * Disconnects every connection of the workspace (each with its DisconnectComplete carrying the
     * returned request's id), deletes its credentials, revokes its token and removes it. The
     * sessions keep running. Emits WorkspaceDisconnected.
     */
    public CompletableFuture<Submitted> disconnect(Caller caller, String id) {
        if (!mayActOn(caller, id)) {
            return CompletableFuture.failedFuture(otherWorkspace(caller, id));
        }
        String user = caller.user();
        return store.write(tx -> {
            tx.workspace(user, id).orElseThrow(() -> noWorkspace(id));
            tx.deleteCredential(user, id);
            accounts.revokeWorkspaceTokens(tx, user, id);
            tx.deleteWorkspace(user, id);
            List<Long> ids = connections.liveConnections(user, id).stream().map(ConnectionRecord::id).toList();
            tx.append(event(user, new Event.WorkspaceDisconnected(id, ids.size(), user)));
            return ids;
        }).thenCompose(ids -> connections.disconnectConnections(caller, "disconnect-workspace", ids,
                "workspace " + id + " disconnected by " + user)).thenApply(submitted -> {
                    // After the workspace's connections were let go (with DisconnectComplete), so only
                    // what the request did not cover, such as event streams, ends as "token revoked".
                    accounts.endWorkspaceStreams(user, id);
                    return submitted;
                });
    }

    /** DisconnectWorkspaceByFriendlyName: the same, found by friendly name; an ambiguous name is CONFLICT. */
    public CompletableFuture<Submitted> disconnectByFriendlyName(Caller caller, String friendlyName) {
        if (caller.workspaceId() != null) { // resolving the name would tell it about the user's other workspaces
            return CompletableFuture.failedFuture(workspaceTokenRefused(caller, "disconnect a workspace by friendly name (use its id)"));
        }
        return store.read(tx -> tx.workspaces(caller.user())).thenCompose(all -> {
            List<WorkspaceRecord> named = all.stream().filter(w -> w.friendlyName().equals(friendlyName)).toList();
            if (named.isEmpty()) {
                throw new TetherException(ResultCode.NOT_FOUND, "you have no workspace with the friendly name '" + friendlyName + "'");
            }
            if (named.size() > 1) {
                throw new TetherException(ResultCode.CONFLICT, "the friendly name '" + friendlyName + "' is ambiguous: workspaces "
                        + String.join(", ", named.stream().map(WorkspaceRecord::id).toList()) + " have it; disconnect one by its id");
            }
            return disconnect(caller, named.getFirst().id());
        });
    }

    // ---------------------------------------------------------------- reading

    /** The caller's own workspaces (a workspace id names one of the caller's, for admins too). */
    public CompletableFuture<List<WorkspaceInfo>> list(Caller caller) {
        return store.read(tx -> tx.workspaces(caller.user()).stream()
                .filter(w -> mayActOn(caller, w.id()))
                .map(w -> info(w, liveCredential(tx, w.user(), w.id())))
                .toList());
    }

    public CompletableFuture<WorkspaceInfo> get(Caller caller, String id) {
        if (!mayActOn(caller, id)) {
            return CompletableFuture.failedFuture(otherWorkspace(caller, id));
        }
        return store.read(tx -> {
            WorkspaceRecord w = tx.workspace(caller.user(), id).orElseThrow(() -> noWorkspace(id));
            return info(w, liveCredential(tx, caller.user(), id));
        });
    }

    // ---------------------------------------------------------------- expiry and last resource

    /** Deletes credentials whose timeout has passed. Run it periodically; tests call it with an advanced clock. */
    public CompletableFuture<Integer> sweep() {
        Instant now = clock.instant();
        return store.write(tx -> {
            List<CredentialRecord> expired = tx.expiredCredentials(now);
            for (CredentialRecord c : expired) {
                tx.deleteCredential(c.user(), c.workspaceId());
                tx.append(event(c.user(), new Event.WorkspaceCredentialExpired(c.workspaceId(), c.timeoutMinutes())));
            }
            return expired.size();
        });
    }

    /** clearCredsOnLastResource: the workspace's last connection ended, so its credentials go. */
    private void connectionEnded(ConnectionRecord c) {
        if (c.workspaceId() == null || !connections.liveConnections(c.user(), c.workspaceId()).isEmpty()) {
            return;
        }
        store.write(tx -> {
            var w = tx.workspace(c.user(), c.workspaceId());
            if (w.isPresent() && w.get().clearCredsOnLastResource() && tx.credential(c.user(), c.workspaceId()).isPresent()) {
                tx.deleteCredential(c.user(), c.workspaceId());
                tx.append(event(c.user(), new Event.WorkspaceCredentialCleared(c.workspaceId(), false, "system", "last connection ended")));
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- helpers

    private Optional<CredentialRecord> liveCredential(ReadTx tx, String user, String id) {
        Instant now = clock.instant();
        return tx.credential(user, id).filter(c -> c.expiresAt() == null || c.expiresAt().isAfter(now));
    }

    private WorkspaceInfo info(WorkspaceRecord w, Optional<CredentialRecord> c) {
        List<ConnectionInfo> live = connections.liveConnections(w.user(), w.id()).stream().map(ConnectionRecord::info).toList();
        return new WorkspaceInfo(w.id(), w.friendlyName(), w.user(), w.createdAt(),
                c.map(CredentialRecord::state).orElse(CredentialState.NONE), c.map(CredentialRecord::userName).orElse(null),
                c.map(CredentialRecord::timeoutMinutes).orElse(0), c.map(CredentialRecord::expiresAt).orElse(null),
                w.clearCredsOnLastResource(), live);
    }

    private static Instant expiry(Instant from, int timeoutMinutes) {
        return timeoutMinutes == 0 ? null : from.plus(Duration.ofMinutes(timeoutMinutes));
    }

    static String associatedData(String user, String id) {
        return "workspace:" + user + "/" + id;
    }

    private static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "'" + id
                    + "' is not a workspace id: use 1 to 128 of letters, digits and _ . : { } -");
        }
        return id;
    }

    /** A workspace token acts on its own workspace only; other tokens on any of their user's. */
    private static boolean mayActOn(Caller caller, String id) {
        return caller.workspaceId() == null || caller.workspaceId().equals(id);
    }

    private static TetherException otherWorkspace(Caller caller, String id) {
        return new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace " + caller.workspaceId()
                + " may act only on its own workspace, not on workspace " + id);
    }

    private static TetherException workspaceTokenRefused(Caller caller, String what) {
        return new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace " + caller.workspaceId() + " may not " + what
                + "; use the user token of " + caller.user());
    }

    private static void requireUserToken(Caller caller, String what) {
        if (caller.application() != null || caller.workspaceId() != null) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "a restricted token cannot " + what + "; use your user token");
        }
    }

    private EventRecord event(String user, Event data) {
        return new EventRecord(clock.instant(), null, user, data);
    }

    private static TetherException noWorkspace(String id) {
        return new TetherException(ResultCode.NOT_FOUND, "you have no workspace " + id);
    }

    private static TetherException noCredentials(String id) {
        return new TetherException(ResultCode.NOT_FOUND, "workspace " + id + " has no stored credentials (none given, cleared or expired)");
    }
}
