package dev.tether.core.account;


import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewUser;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.Store;
import dev.tether.core.store.TokenRecord;
import dev.tether.core.store.WriteTx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Users and bearer tokens. Tokens are random 256-bit strings shown once; only their SHA-256 hash
 * is stored. Authenticated tokens are cached so a call costs no database read.
 */
public final class Accounts {
    public static final String ADMIN = "admin";
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
    /** The names useradd accepts (Debian's NAME_REGEX, and $ for machine accounts). */
    private static final Pattern LINUX_NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,30}\\$?");
    private static final Pattern APPLICATION = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final InstantSource clock;
    /** The account PAM is asked about for a name no user has: it exists on Debian and has no password. */
    private static final String NO_LINUX_PASSWORD = "nobody";

    private final PasswordChecks passwords;
    private final AuthMode authMode;
    private final LinuxPasswords linuxPasswords;
    private final Map<String, Caller> byTokenHash = new ConcurrentHashMap<>();
    private final TokenStreams streams = new TokenStreams();

    /** Accounts without passwords (tokens only). */
    public Accounts(Store store, InstantSource clock) {
        this(store, clock, (PasswordChecks) null);
    }

    /**
     * @param hasher Argon2id hashes for user passwords
     * @param slow where hashing runs (deliberately slow): never an event loop nor the store's writer
     */
    public Accounts(Store store, InstantSource clock, PasswordHasher hasher, java.util.concurrent.Executor slow) {
        this(store, clock, new PasswordChecks(hasher, slow, clock, PasswordChecks.Limits.DEFAULTS));
    }

    /** @param passwords the bounded, throttled way to password hashes; null for a server without passwords */
    public Accounts(Store store, InstantSource clock, PasswordChecks passwords) {
        this(store, clock, passwords, AuthMode.TETHER, null);
    }

    /**
     * @param authMode which passwords a log-on takes ({@code serve --auth})
     * @param linuxPasswords PAM, for {@link AuthMode#PAM} and {@link AuthMode#BOTH}; null with {@link AuthMode#TETHER}
     */
    public Accounts(Store store, InstantSource clock, PasswordChecks passwords, AuthMode authMode, LinuxPasswords linuxPasswords) {
        if (authMode != AuthMode.TETHER && linuxPasswords == null) {
            throw new IllegalArgumentException("--auth " + authMode + " needs a way to check Linux passwords");
        }
        this.store = store;
        this.clock = clock;
        this.passwords = passwords;
        this.authMode = authMode;
        this.linuxPasswords = linuxPasswords;
    }

    /** Sets a user's password: users their own, admins anyone's. */
    public CompletableFuture<Void> setPassword(Caller caller, String name, char[] password) {
        if (!caller.admin() && !caller.user().equals(name)) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED,
                    "only administrators set other users' passwords; " + caller.user() + " is not one"));
        }
        if (caller.application() != null || caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED,
                    "a restricted token cannot set passwords; use your user token"));
        }
        if (password == null || password.length < 8 || password.length > 1024) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "the password for " + name + " must have 8 to 1024 characters"));
        }
        return checks().thenCompose(checks -> checks.hash(callerOrigin(caller), password)).thenCompose(hash -> store.write(tx -> {
            UserRecord u = tx.user(name).orElseThrow(() -> new TetherException(ResultCode.NOT_FOUND, "no user " + name + " on this server"));
            tx.setPasswordHash(u.id(), hash);
            tx.append(new EventRecord(clock.instant(), null, name, new Event.UserPasswordSet(name, caller.user())));
            return null;
        }));
    }

    /**
     * Exchanges a user's password for a new user token. Wrong name or password: UNAUTHENTICATED, the
     * same sentence and the same cost for both; too many failures for the name or from {@code address}:
     * RATE_LIMITED (see {@link PasswordChecks}).
     *
     * @param address the client's address, for the per-address throttle
     */
    public CompletableFuture<NewUser> login(String name, char[] password, String address) {
        String origin = "address " + address;
        return checks().thenCompose(checks -> checks.refusal(name, origin).<CompletableFuture<UserRecord>>map(CompletableFuture::failedFuture)
                .orElseGet(() -> store.read(tx -> tx.user(name).map(u -> Map.entry(u, tx.passwordHash(name))))
                .thenCompose(found -> {
                    Optional<String> hash = found.flatMap(Map.Entry::getValue);
                    boolean linux = authMode == AuthMode.PAM || authMode == AuthMode.BOTH && found.isPresent() && hash.isEmpty();
                    if (!linux) {
                        return checks.verify(name, origin, password, hash).thenCompose(ok -> ok
                                ? CompletableFuture.completedFuture(found.orElseThrow().getKey())
                                : refuse(name, address, "wrong password or no such user", null));
                    }
                    // An unknown user costs what a known one does: PAM is asked about an account that has no password.
                    String account = found.map(e -> e.getKey().linuxAccount()).orElse(NO_LINUX_PASSWORD);
                    var verdict = new java.util.concurrent.atomic.AtomicReference<LinuxPasswords.Verdict>();
                    return checks.verifyElsewhere(name, origin, () -> linuxPasswords.check(account, password, address)
                                    .thenApply(v -> {
                                        verdict.set(v);
                                        return v.ok() && found.isPresent();
                                    }))
                            .thenCompose(ok -> ok
                                    ? CompletableFuture.completedFuture(found.orElseThrow().getKey())
                                    : refuse(name, address, "PAM: " + verdict.get().message(),
                                            found.isPresent() ? moduleText(verdict.get().message()) : null));
                })))
                .thenCompose(user -> {
                    String token = newToken();
                    return store.write(tx -> {
                        tx.insertToken(new TokenRecord(0, user.id(), hash(token), null, clock.instant()));
                        tx.append(new EventRecord(clock.instant(), null, name, new Event.UserLoggedIn(name)));
                        return new NewUser(user, token);
                    });
                });
    }

    /**
     * Records the refused log-on (UserLogOnFailed) and fails with the same sentence whether the
     * user exists, plus PAM's own words about a locked or expired account when there are some.
     */
    private <T> CompletableFuture<T> refuse(String name, String address, String reason, String pamSays) {
        var refused = new TetherException(ResultCode.UNAUTHENTICATED, "the user name or password is wrong"
                + (pamSays != null ? " (" + pamSays + ")" : ""));
        return store.write(tx -> {
            tx.append(new EventRecord(clock.instant(), null, name, new Event.UserLogOnFailed(name, address, reason)));
            return null;
        }).handle((v, e) -> {
            throw refused;
        });
    }

    /** The text modules added to PAM's sentence ("Authentication failure (Your account has expired; …)"), or null. */
    private static String moduleText(String message) {
        int open = message.indexOf(" (");
        return open >= 0 && message.endsWith(")") ? message.substring(open + 2, message.length() - 1) : null;
    }

    /** Verifies a user's password (Unlock-WmsSession by the owner), throttled like a log-on by that user. */
    public CompletableFuture<Boolean> verifyPassword(String name, char[] password) {
        return checks().thenCompose(checks -> store.read(tx -> tx.passwordHash(name))
                .thenCompose(hash -> checks.verify(name, "the token of " + name, password, hash)));
    }

    private CompletableFuture<PasswordChecks> checks() {
        try {
            return CompletableFuture.completedFuture(passwords());
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The one way to password hashes, shared with workspaces. */
    public PasswordChecks passwords() {
        if (passwords == null) {
            throw new TetherException(ResultCode.INVALID_STATE, "this server has no password support configured");
        }
        return passwords;
    }

    /** The origin of an authenticated call, for the per-origin throttle: its user. */
    public static String callerOrigin(Caller caller) {
        return "the token of " + caller.user();
    }

    /** A token for the administrator, creating the administrator first when there is none. */
    public CompletableFuture<String> issueAdminToken() {
        String token = newToken();
        return store.write(tx -> {
            UserRecord admin = tx.user(ADMIN).orElseGet(() -> {
                UserRecord created = tx.insertUser(new UserRecord(0, ADMIN, true, clock.instant()));
                tx.append(userCreated(created, Caller.SYSTEM));
                return created;
            });
            tx.insertToken(new TokenRecord(0, admin.id(), hash(token), null, clock.instant()));
            return token;
        });
    }

    /** The caller a bearer token stands for. */
    public CompletableFuture<Caller> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.UNAUTHENTICATED,
                    "this call needs a bearer token (Authorization: Bearer ...)"));
        }
        return byFingerprint(hash(token));
    }

    /**
     * The caller the token with this {@linkplain #fingerprint fingerprint} stands for, while the token
     * is valid: a ticket is checked so when it is redeemed, for its token may have been revoked since.
     */
    public CompletableFuture<Caller> byFingerprint(String h) {
        Caller cached = byTokenHash.get(h);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return store.read(tx -> tx.tokenByHash(h).flatMap(t -> tx.user(t.userId()).map(u -> Map.entry(t, u))))
                .thenApply(found -> {
                    var pair = found.orElseThrow(() -> new TetherException(ResultCode.UNAUTHENTICATED,
                            "the bearer token is not known to this server"));
                    TokenRecord t = pair.getKey();
                    if (t.revokedAt() != null) {
                        throw new TetherException(ResultCode.UNAUTHENTICATED, "the bearer token was revoked at " + t.revokedAt()
                                + (t.workspaceId() != null ? " (workspace " + t.workspaceId() + " was disconnected)" : ""));
                    }
                    // A workspace token carries none of an administrator's rights: it acts on its workspace only.
                    boolean admin = pair.getValue().admin() && t.workspaceId() == null;
                    Caller caller = new Caller(pair.getValue().name(), admin, 0, t.application(), t.workspaceId());
                    byTokenHash.put(h, caller);
                    return caller;
                });
    }

    /**
     * A token restricted to one application, for the caller's own account: connections opened with
     * it are initiated by {@code application}, and it may disconnect only those.
     */
    public CompletableFuture<String> createAppToken(Caller caller, String application) {
        if (application == null || !APPLICATION.matcher(application).matches()) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER, "'" + application
                    + "' is not a valid application name: use 1 to 64 of letters, digits, _ . - starting with a letter"));
        }
        if (caller.application() != null || caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED,
                    "a restricted token cannot create tokens; use your user token"));
        }
        String token = newToken();
        return store.write(tx -> {
            UserRecord u = tx.user(caller.user()).orElseThrow(() -> new TetherException(ResultCode.NOT_FOUND, "no user " + caller.user()));
            tx.insertToken(new TokenRecord(0, u.id(), hash(token), application, clock.instant()));
            return token;
        });
    }

    /** A token that opens connections in the caller's workspace {@code workspaceId}; revoked when the workspace is disconnected. */
    public String issueWorkspaceToken(WriteTx tx, String user, String workspaceId) {
        String token = newToken();
        UserRecord u = tx.user(user).orElseThrow(() -> new TetherException(ResultCode.NOT_FOUND, "no user " + user));
        tx.insertToken(new TokenRecord(0, u.id(), hash(token), null, workspaceId, clock.instant(), null));
        return token;
    }

    /** Revokes the workspace's tokens (in {@code tx}) and forgets them from the cache. */
    public void revokeWorkspaceTokens(WriteTx tx, String user, String workspaceId) {
        tx.user(user).ifPresent(u -> tx.revokeWorkspaceTokens(u.id(), workspaceId, clock.instant()));
        byTokenHash.values().removeIf(c -> c.user().equals(user) && workspaceId.equals(c.workspaceId()));
    }

    /**
     * Runs {@code end} once if the token with this {@link #fingerprint} is revoked while a stream it
     * opened (an event stream, an attach WebSocket, directly or with a ticket) is open. Close the
     * returned handle when the stream ends on its own.
     */
    public AutoCloseable whileValid(String fingerprint, Caller caller, Runnable end) {
        return streams.add(fingerprint, caller, end);
    }

    /** How many event streams and attach WebSockets are open under some token (each ends with its token). */
    public int openStreams() {
        return streams.size();
    }

    /**
     * Looks up the tokens that have open streams and ends the streams of those revoked (or gone),
     * forgetting them from the cache too. This catches every way a token stops being valid, also
     * ones this server did not make itself; the server runs it twice a second, and costs nothing
     * when no stream is open. Returns how many streams it ended.
     */
    public CompletableFuture<Integer> sweepRevoked() {
        var open = streams.fingerprints();
        if (open.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        return store.read(tx -> open.stream()
                .filter(h -> tx.tokenByHash(h).map(t -> t.revokedAt() != null).orElse(true))
                .toList())
                .thenApply(revoked -> {
                    byTokenHash.keySet().removeAll(revoked);
                    return streams.end(o -> revoked.contains(o.fingerprint));
                });
    }

    /** Ends what the workspace's tokens opened (they were revoked in a committed write). */
    public void endWorkspaceStreams(String user, String workspaceId) {
        streams.end(o -> o.caller.user().equals(user) && workspaceId.equals(o.caller.workspaceId()));
    }

    /** A new user and its first token (admins only). */
    public CompletableFuture<NewUser> addUser(Caller caller, String name, boolean admin) {
        return addUser(caller, name, admin, null);
    }

    /**
     * A new user and its first token (admins only).
     *
     * @param osUser the Linux account of the user's sessions in multi-user mode; null: the one of the same name
     */
    public CompletableFuture<NewUser> addUser(Caller caller, String name, boolean admin, String osUser) {
        requireAdmin(caller, "add users");
        if (name == null || !NAME.matcher(name).matches()) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "'" + name + "' is not a valid user name: use 1 to 32 of a-z, 0-9, _ . - starting with a letter or _"));
        }
        if (osUser != null && !LINUX_NAME.matcher(osUser).matches()) {
            return CompletableFuture.failedFuture(invalidLinuxName(osUser));
        }
        String token = newToken();
        return store.write(tx -> {
            if (tx.user(name).isPresent()) {
                throw new TetherException(ResultCode.CONFLICT, "the user " + name + " already exists");
            }
            UserRecord user = tx.insertUser(new UserRecord(0, name, admin, clock.instant(), osUser));
            tx.insertToken(new TokenRecord(0, user.id(), hash(token), null, clock.instant()));
            tx.append(userCreated(user, caller));
            return new NewUser(user, token);
        });
    }

    /**
     * Maps the user's sessions to another Linux account in multi-user mode (admins only); null maps
     * them back to the account of the user's name. Sessions running already keep their account.
     */
    public CompletableFuture<UserRecord> setOsUser(Caller caller, String name, String osUser) {
        requireAdmin(caller, "change users");
        if (osUser != null && !LINUX_NAME.matcher(osUser).matches()) {
            return CompletableFuture.failedFuture(invalidLinuxName(osUser));
        }
        return store.write(tx -> {
            UserRecord user = tx.user(name).orElseThrow(() -> new TetherException(ResultCode.NOT_FOUND, "no user " + name));
            tx.setOsUser(user.id(), osUser);
            return new UserRecord(user.id(), user.name(), user.admin(), user.createdAt(), osUser);
        });
    }

    private static TetherException invalidLinuxName(String osUser) {
        return new TetherException(ResultCode.INVALID_PARAMETER, "'" + osUser + "' is not a valid Linux account name:"
                + " use 1 to 32 of a-z, 0-9, _ . - starting with a letter or _ (a final $ for a machine account)");
    }

    public CompletableFuture<List<UserRecord>> users(Caller caller) {
        requireAdmin(caller, "list users");
        return store.read(ReadTx::users);
    }

    public CompletableFuture<Optional<UserRecord>> user(String name) {
        return store.read(tx -> tx.user(name));
    }

    private static void requireAdmin(Caller caller, String what) {
        if (!caller.admin()) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "only administrators may " + what + "; " + caller.user() + " is not one");
        }
    }

    private EventRecord userCreated(UserRecord user, Caller by) {
        return new EventRecord(clock.instant(), null, user.name(), new Event.UserCreated(user.name(), user.admin(), by.user()));
    }

    static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "tth_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What identifies a token without keeping it: its SHA-256 (hex), as stored. */
    public static String fingerprint(String token) {
        return hash(token);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
