package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.api.Bodies;
import dev.tether.api.Ids;
import dev.tether.api.NewUser;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Java SDK of Tether: one client per server and token, safe to share between threads.
 *
 * <pre>{@code
 * try (var tether = TetherClient.connect(URI.create("http://127.0.0.1:7420"), token)) {
 *     var session = tether.sessions().create(NewSession.of("bash"));
 *     RequestRecord done = tether.sessions().disconnectAsync(session.id()).completion().join();
 * }
 * }</pre>
 *
 * <p>Every failure is a {@link TetherException}: an error answer carries the server's result code and
 * sentence; no answer at all is {@code SERVER_UNREACHABLE: cannot reach Tether at URL: connection
 * refused} (or the reason it could not be reached).
 */
public final class TetherClient implements AutoCloseable {
    private static final JavaType SERVER = Json.type(Bodies.ServerView.class);
    private static final JavaType NEW_USER = Json.type(NewUser.class);

    private final Http http;
    private final ScheduledExecutorService watchdog;
    private final Requests requests;
    private final Sessions sessions;
    private final Events events;
    private final Users users;
    private final Connections connections;
    private final Workspaces workspaces;
    private final Tokens tokens;
    private final Duration reconnectFor;

    private TetherClient(Builder builder) {
        this.reconnectFor = builder.reconnectFor;
        this.http = new Http(builder.server, builder.token, builder.ownSessionId, builder.connectTimeout, builder.timeout);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("tether-client-watchdog").factory());
        this.requests = new Requests(http);
        this.sessions = new Sessions(http, requests);
        this.events = new Events(http, watchdog);
        this.users = new Users(http);
        this.connections = new Connections(http, requests);
        this.workspaces = new Workspaces(http, requests);
        this.tokens = new Tokens(http);
    }

    /** A client for the server at {@code server} (for example {@code http://127.0.0.1:7420}) using a bearer token. */
    public static TetherClient connect(URI server, String token) {
        return builder(server).token(token).build();
    }

    public static Builder builder(URI server) {
        return new Builder(server);
    }

    /**
     * Exchanges a user's password for a new user token ({@code POST /login}, the one call without a
     * bearer token). A wrong name or password is UNAUTHENTICATED, the same sentence for both. The
     * caller may zero {@code password} when this returns.
     */
    public static String login(URI server, String user, char[] password) {
        Builder.checkAddress(server);
        Http http = Http.anonymous(server, Duration.ofSeconds(30));
        try {
            byte[] body = Json.withSecret(Json.object().put("user", user), "password", password);
            NewUser answer = http.postSecret("/login", body, NEW_USER);
            return answer.token();
        } finally {
            http.close();
        }
    }

    public Sessions sessions() {
        return sessions;
    }

    public Requests requests() {
        return requests;
    }

    public Events events() {
        return events;
    }

    /** Users: administrators add and list them; everyone sets their own password. */
    public Users users() {
        return users;
    }

    /** Connections: one client attached to one session (IMbnConnection). */
    public Connections connections() {
        return connections;
    }

    /** Workspaces and their stored credentials (IWorkspaceScriptable). */
    public Workspaces workspaces() {
        return workspaces;
    }

    /** Application tokens for the caller's own account. */
    public Tokens tokens() {
        return tokens;
    }

    /** The server ({@code GET /server}), and who this client's token belongs to. */
    public Bodies.ServerView server() {
        return http.get("/server", SERVER);
    }

    /**
     * Attaches to a session's terminal. Returns once the server has made the connection (its id and the
     * connect request's id are known; {@link TerminalConnection#activated()} follows); output and
     * control messages then go to {@code listener}. A refusal is thrown as a {@link TetherException}.
     *
     * @param cols the window's columns, or 0 to keep the session's size
     * @param rows the window's rows, or 0 to keep the session's size
     * @param clientName the client machine's name, shown in the session's record; may be null
     */
    public TerminalConnection attach(long sessionId, int cols, int rows, String clientName, AttachListener listener) {
        return attach(sessionId, cols, rows, clientName, false, listener);
    }

    /**
     * As {@link #attach(long, int, int, String, AttachListener)}; with {@code viewOnly} the connection
     * only watches ({@code mode=view}): it gets the output, the server refuses its input, and its
     * size does not change the session's.
     */
    public TerminalConnection attach(long sessionId, int cols, int rows, String clientName, boolean viewOnly,
                                     AttachListener listener) {
        Objects.requireNonNull(listener, "listener");
        return TerminalConnection.open(http, sessions, sessionId, cols, rows, clientName, reconnectFor, viewOnly, listener);
    }

    /** The server's base URL as given. */
    public URI serverUri() {
        return URI.create(http.base());
    }

    /** Stops every stream and call of this client. Idempotent. */
    @Override
    public void close() {
        watchdog.shutdownNow();
        http.close();
    }

    /** How to reach a server; defaults in code. */
    public static final class Builder {
        private final URI server;
        private String token;
        private long ownSessionId;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration timeout = Duration.ofSeconds(30);
        private Duration reconnectFor = Duration.ofMinutes(10);

        private Builder(URI server) {
            this.server = checkAddress(server);
        }

        static URI checkAddress(URI server) {
            Objects.requireNonNull(server, "server");
            String scheme = server.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || server.getHost() == null) {
                throw new TetherException(ResultCode.INVALID_PARAMETER,
                        "the server address " + server + " is not an http:// or https:// URL");
            }
            return server;
        }

        /** The bearer token; without one every call is UNAUTHENTICATED. */
        public Builder token(String newToken) {
            this.token = newToken;
            return this;
        }

        /**
         * The session this program runs in, sent as {@code Tether-Session-Id} so the server refuses to
         * disconnect or close it (OWN_SESSION) and {@code all} skips it.
         */
        public Builder ownSessionId(long id) {
            this.ownSessionId = Ids.check("session", id);
            return this;
        }

        /** {@link #ownSessionId} from {@code TETHER_SESSION_ID}, which Tether sets inside every session; no-op outside one. */
        public Builder ownSessionFromEnvironment() {
            String value = System.getenv("TETHER_SESSION_ID");
            if (value != null && !value.isBlank()) {
                this.ownSessionId = Ids.parse("session", value.strip());
            }
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = Objects.requireNonNull(value);
            return this;
        }

        /** How long an ordinary call may take (waits are bounded separately). Default 30 s. */
        public Builder timeout(Duration value) {
            this.timeout = Objects.requireNonNull(value);
            return this;
        }

        /**
         * How long an attached {@link TerminalConnection} keeps trying to reconnect after its socket is
         * lost (see there). Default 10 minutes; {@link Duration#ZERO} turns reconnecting off.
         */
        public Builder reconnectFor(Duration value) {
            if (Objects.requireNonNull(value).isNegative()) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "reconnectFor " + value + " is negative");
            }
            this.reconnectFor = value;
            return this;
        }

        public TetherClient build() {
            return new TetherClient(this);
        }
    }
}
