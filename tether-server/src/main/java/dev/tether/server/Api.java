package dev.tether.server;

import dev.tether.api.Bodies;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Ids;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import dev.tether.core.Kernel;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.request.Submitted;
import dev.tether.core.workspace.Workspaces;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The REST API under {@code /api/v1}: routes, authentication, and the mapping of answers and errors. */
final class Api {
    static final String PREFIX = "/api/v1";
    static final int BODY_LIMIT = 64 * 1024;
    private static final String CALLER = "tether.caller";
    /** The fingerprint of the bearer token the call was made with (directly or through a ticket it issued). */
    private static final String ISSUER = "tether.issuer";
    /** The routes a ticket opens: the two a browser cannot send an Authorization header to. */
    private static final java.util.regex.Pattern TICKET_PATHS = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(PREFIX) + "/(events|sessions/[^/]+/attach)/?");
    private static final Duration MAX_WAIT = Duration.ofSeconds(300);

    private final Vertx vertx;
    private final dev.tether.core.time.Scheduler scheduler;
    private final Kernel kernel;
    private final Accounts accounts;
    private final Workspaces workspaces;
    private final Tickets tickets;
    private final Origins origins;
    private final ServerInfo info;
    private final Attach attach;
    private final Screens screens;
    private final VirtualDesktop virtualDesktop;
    private final byte[] openapi;
    private final byte[] openapiJson;

    record ServerInfo(String name, String version, String url, Instant startedAt, boolean sharedAccountSessions, boolean multiUser) {
    }

    Api(Vertx vertx, dev.tether.core.time.Scheduler scheduler, Kernel kernel, Accounts accounts, Workspaces workspaces,
        Tickets tickets, ServerInfo info, Origins origins, SlowClients connections) {
        this.vertx = vertx;
        this.scheduler = scheduler;
        this.origins = origins;
        this.kernel = kernel;
        this.accounts = accounts;
        this.workspaces = workspaces;
        this.tickets = tickets;
        this.info = info;
        this.attach = new Attach(kernel, accounts, connections);
        this.screens = new Screens(kernel);
        this.virtualDesktop = new VirtualDesktop(kernel, info.name());
        try (InputStream in = Api.class.getResourceAsStream("openapi.yaml")) {
            this.openapi = in.readAllBytes();
            this.openapiJson = Json.MAPPER.writeValueAsBytes(
                    new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(openapi));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.yaml is missing from the server jar or is not valid YAML", e);
        }
    }

    Router router() {
        Router router = Router.router(vertx);
        router.route().handler(Api::admit);
        router.route().handler(origins::check); // before any route: a foreign Host or Origin gets nothing at all
        router.get(PREFIX + "/openapi.yaml").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/yaml").end(io.vertx.core.buffer.Buffer.buffer(openapi)));
        router.get(PREFIX + "/openapi.json").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").end(io.vertx.core.buffer.Buffer.buffer(openapiJson)));
        router.post(PREFIX + "/login").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT)).handler(ctx -> {
            Bodies.LogOn body = Json.read(body(ctx), Bodies.LogOn.class, "the login");
            reply(ctx, 200, accounts.login(body.user(), chars(body.password(), "password"), clientAddress(ctx)));
        });
        router.route(PREFIX + "/*").handler(this::authenticate);
        router.route(PREFIX + "/*").handler(WorkspaceScope::check);
        router.route(PREFIX + "/*").method(HttpMethod.POST).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.route(PREFIX + "/*").method(HttpMethod.DELETE).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.route(PREFIX + "/*").method(HttpMethod.PATCH).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));

        router.get(PREFIX + "/server").handler(ctx -> reply(ctx, 200, kernel.events().lastEventId(caller(ctx)).thenApply(last -> new Bodies.ServerView(
                info.name(), info.version(), info.url(), info.startedAt(), info.sharedAccountSessions(), info.multiUser(), last,
                new Bodies.CallerView(caller(ctx).user(), caller(ctx).admin())))));

        router.get(PREFIX + "/sessions").handler(ctx -> reply(ctx, 200,
                kernel.registry().list(caller(ctx), flag(ctx, "allStates"))));
        router.post(PREFIX + "/sessions").handler(ctx -> reply(ctx, 201,
                kernel.sessions().create(caller(ctx), Json.read(body(ctx), NewSession.class, "the new session"), clientAddress(ctx))));
        router.post(PREFIX + "/sessions/disconnect").handler(ctx -> batch(ctx, "disconnect"));
        router.post(PREFIX + "/sessions/close").handler(ctx -> batch(ctx, "close"));
        router.get(PREFIX + "/sessions/:id").handler(ctx -> reply(ctx, 200, kernel.registry().get(caller(ctx), id(ctx, "session"))));
        router.post(PREFIX + "/sessions/:id/disconnect").handler(ctx -> single(ctx, "disconnect"));
        router.post(PREFIX + "/sessions/:id/close").handler(ctx -> single(ctx, "close"));
        router.post(PREFIX + "/sessions/lock").handler(ctx -> {
            Bodies.LockBatch body = Json.read(body(ctx), Bodies.LockBatch.class, "the lock request");
            answer(ctx, flag(ctx, "wait") || body.selection().whatIf(), () -> kernel.sessions().lock(caller(ctx), body.selection(), body.message(), false));
        });
        router.post(PREFIX + "/sessions/unlock").handler(ctx -> {
            Bodies.UnlockBatch body = Json.read(body(ctx), Bodies.UnlockBatch.class, "the unlock request");
            answer(ctx, flag(ctx, "wait") || body.selection().whatIf(),
                    () -> kernel.sessions().unlock(caller(ctx), body.selection(), false, accounts, optionalChars(body.password())));
        });
        router.post(PREFIX + "/sessions/:id/lock").handler(ctx -> {
            Bodies.LockMessage body = Json.read(body(ctx), Bodies.LockMessage.class, "the lock request");
            long id = id(ctx, "session");
            answer(ctx, flag(ctx, "wait"), () -> kernel.sessions().lock(caller(ctx), Selection.of(id), body.message(), true));
        });
        router.post(PREFIX + "/sessions/:id/unlock").handler(ctx -> {
            Bodies.Password body = Json.read(body(ctx), Bodies.Password.class, "the unlock request");
            long id = id(ctx, "session");
            answer(ctx, flag(ctx, "wait"),
                    () -> kernel.sessions().unlock(caller(ctx), Selection.of(id), true, accounts, optionalChars(body.password())));
        });
        router.post(PREFIX + "/sessions/:id/message").handler(ctx -> {
            Bodies.SendMessage body = Json.read(body(ctx), Bodies.SendMessage.class, "the message");
            reply(ctx, 200, kernel.messages().message(caller(ctx), id(ctx, "session"), body.title(), body.text(),
                    body.timeoutSeconds() == null ? 60 : body.timeoutSeconds(), Boolean.TRUE.equals(body.waitForAnswer())));
        });
        router.get(PREFIX + "/sessions/:id/virtual-desktop").handler(ctx -> reply(ctx, 200, virtualDesktop.view(caller(ctx), id(ctx, "session"))));
        router.post(PREFIX + "/sessions/:id/virtual-desktop/:method").handler(ctx -> {
            String method = ctx.pathParam("method");
            String body = body(ctx);
            reply(ctx, 200, virtualDesktop.invoke(caller(ctx), id(ctx, "session"), method, body));
        });
        router.get(PREFIX + "/sessions/:id/attach").handler(ctx -> attach.handle(ctx, caller(ctx), issuer(ctx), id(ctx, "session")));
        router.get(PREFIX + "/sessions/:id/screen").handler(ctx -> screens.screen(ctx, caller(ctx), id(ctx, "session")));
        router.get(PREFIX + "/sessions/:id/scrollback").handler(ctx -> screens.scrollback(ctx, caller(ctx), id(ctx, "session")));
        router.get(PREFIX + "/sessions/:id/thumbnail").handler(ctx -> screens.thumbnail(ctx, caller(ctx), id(ctx, "session")));

        router.get(PREFIX + "/connections").handler(ctx -> reply(ctx, 200, kernel.connections().connections(caller(ctx), new ConnectionQuery(
                optionalId(ctx, "sessionId", "session"), connectionState(ctx), ctx.queryParams().get("workspaceId"), null))));
        router.get(PREFIX + "/connections/:id").handler(ctx -> reply(ctx, 200, kernel.connections().connection(caller(ctx), id(ctx, "connection"))));
        router.post(PREFIX + "/connections/:id/disconnect").handler(ctx -> {
            long id = id(ctx, "connection");
            answer(ctx, flag(ctx, "wait"), () -> kernel.connections().disconnectConnection(caller(ctx), id));
        });
        router.post(PREFIX + "/tokens").handler(ctx -> {
            Bodies.NewToken body = Json.read(body(ctx), Bodies.NewToken.class, "the new token");
            reply(ctx, 201, accounts.createAppToken(caller(ctx), body.application())
                    .thenApply(token -> new Bodies.IssuedToken(token, body.application())));
        });

        router.get(PREFIX + "/requests/:id").handler(ctx -> {
            long id = id(ctx, "request");
            int timeout = intParam(ctx, "timeout", 30, 0, 300); // checked with or without wait: a bad query is a mistake either way
            reply(ctx, 200, flag(ctx, "wait")
                    ? kernel.requests().await(caller(ctx), id, Duration.ofSeconds(timeout))
                    : kernel.requests().get(caller(ctx), id));
        });
        router.get(PREFIX + "/events").handler(ctx -> {
            boolean follow = ctx.queryParams().get("follow") == null || flag(ctx, "follow"); // follows unless follow=false
            Caller caller = caller(ctx);
            java.util.OptionalLong since = since(ctx);
            if (since.isPresent()) {
                new EventStream(ctx, scheduler, caller, kernel, accounts, issuer(ctx)).start(since.getAsLong(), follow);
                return;
            }
            // Neither since nor Last-Event-ID: a new EventSource wants what happens from now on,
            // not the whole history (since=0 asks for that).
            Future.fromCompletionStage(kernel.events().lastEventId(), context()).onComplete(last -> {
                if (last.failed()) {
                    Errors.reply(ctx.response(), last.cause());
                } else {
                    new EventStream(ctx, scheduler, caller, kernel, accounts, issuer(ctx)).start(last.result(), follow);
                }
            });
        });
        router.post(PREFIX + "/tickets").handler(ctx -> ok(ctx, tickets.issue(caller(ctx), issuer(ctx))));

        router.post(PREFIX + "/workspaces").handler(ctx -> {
            Bodies.StartWorkspaceBody body = Json.read(body(ctx), Bodies.StartWorkspaceBody.class, "the workspace");
            reply(ctx, 201, workspaces.start(caller(ctx), body.start()));
        });
        router.get(PREFIX + "/workspaces").handler(ctx -> reply(ctx, 200, workspaces.list(caller(ctx))));
        router.post(PREFIX + "/workspaces/disconnect").handler(ctx -> {
            Bodies.FriendlyName body = Json.read(body(ctx), Bodies.FriendlyName.class, "the workspace disconnect");
            String friendlyName = required(body.friendlyName(), "friendlyName");
            answer(ctx, flag(ctx, "wait"), () -> workspaces.disconnectByFriendlyName(caller(ctx), friendlyName));
        });
        router.get(PREFIX + "/workspaces/:wid").handler(ctx -> reply(ctx, 200, workspaces.get(caller(ctx), ctx.pathParam("wid"))));
        router.post(PREFIX + "/workspaces/:wid/authenticated").handler(ctx ->
                reply(ctx, 200, workspaces.onAuthenticated(caller(ctx), ctx.pathParam("wid"))));
        router.get(PREFIX + "/workspaces/:wid/credential").handler(ctx -> reply(ctx, 200,
                workspaces.isCredentialSpecified(caller(ctx), ctx.pathParam("wid"), flag(ctx, "countUnauthenticated"))
                        .thenApply(specified -> new Bodies.CredentialSpecified(ctx.pathParam("wid"), specified))));
        router.delete(PREFIX + "/workspaces/:wid/credential").handler(ctx ->
                reply(ctx, 200, workspaces.clearCredential(caller(ctx), ctx.pathParam("wid"))));
        router.post(PREFIX + "/workspaces/:wid/disconnect").handler(ctx ->
                answer(ctx, flag(ctx, "wait"), () -> workspaces.disconnect(caller(ctx), ctx.pathParam("wid"))));

        router.post(PREFIX + "/users/:name/password").handler(ctx -> {
            Bodies.Password body = Json.read(body(ctx), Bodies.Password.class, "the new password");
            reply(ctx, 200, accounts.setPassword(caller(ctx), ctx.pathParam("name"), chars(body.password(), "password"))
                    .thenApply(v -> new Bodies.PasswordSet(ctx.pathParam("name"), true)));
        });
        router.get(PREFIX + "/users").handler(ctx -> reply(ctx, 200, accounts.users(caller(ctx))));
        router.post(PREFIX + "/users").handler(ctx -> {
            Bodies.AddUser body = Json.read(body(ctx), Bodies.AddUser.class, "the new user");
            reply(ctx, 201, accounts.addUser(caller(ctx), body.name(), Boolean.TRUE.equals(body.admin()), blankIsNull(body.osUser())));
        });
        router.patch(PREFIX + "/users/:name").handler(ctx -> {
            Bodies.ChangeUser body = Json.read(body(ctx), Bodies.ChangeUser.class, "the change of the user");
            reply(ctx, 200, accounts.setOsUser(caller(ctx), ctx.pathParam("name"), blankIsNull(body.osUser())));
        });

        router.route().last().handler(ctx -> Errors.reply(ctx.response(), new TetherException(ResultCode.NOT_FOUND,
                "no such API path: " + ctx.request().method() + " " + ctx.request().path())));
        router.route().failureHandler(ctx -> Errors.reply(ctx.response(), failure(ctx)));
        return router;
    }

    private static String blankIsNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static Throwable failure(RoutingContext ctx) {
        if (Origins.lacksHost(ctx.request())) { // Vert.x fails some such requests before any handler sees them
            return Origins.noHost(ctx.request());
        }
        if (ctx.failure() instanceof HttpException e) {
            return byStatus(ctx, e.getStatusCode());
        }
        return ctx.failure() != null ? ctx.failure() : byStatus(ctx, ctx.statusCode());
    }

    /**
     * First on every request: what Vert.x cannot decode (a bad %-escape in the path or query) is the
     * client's mistake, answered here before anything throws on it deeper in; {@link Origins} then
     * checks Host and Origin.
     */
    private static void admit(RoutingContext ctx) {
        var request = ctx.request();
        String uri = request.uri();
        int query = uri.indexOf('?');
        try {
            if (!wellEscaped(query < 0 ? uri : uri.substring(0, query))) {
                throw new IllegalArgumentException("a bad %-escape");
            }
            ctx.normalizedPath();
        } catch (IllegalArgumentException e) {
            Errors.reply(ctx.response(), new TetherException(ResultCode.INVALID_PARAMETER,
                    "the path of " + request.method() + " " + request.path() + " is not valid URL encoding (a % needs two hex digits)"));
            return;
        }
        try {
            if (query >= 0 && !wellEscaped(uri.substring(query + 1))) {
                throw new IllegalArgumentException("a bad %-escape");
            }
            ctx.queryParams();
        } catch (IllegalArgumentException | HttpException e) {
            Errors.reply(ctx.response(), new TetherException(ResultCode.INVALID_PARAMETER, "the query string of "
                    + request.method() + " " + request.path() + " is not valid URL encoding (a % needs two hex digits)"));
            return;
        }
        ctx.next();
    }

    /**
     * Whether every % in {@code text} has two hex digits after it. Vert.x's decoders read the two
     * characters with {@code Integer.parseInt(s, 16)}, which also takes "-0" and "+f", and the route
     * matcher then throws on them where no handler can answer cleanly.
     */
    private static boolean wellEscaped(String text) {
        for (int i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
            if (i + 2 >= text.length() || !hex(text.charAt(i + 1)) || !hex(text.charAt(i + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static TetherException byStatus(RoutingContext ctx, int status) {
        String target = ctx.request().method() + " " + ctx.request().path();
        return switch (status) {
            case 413 -> new TetherException(ResultCode.TOO_LARGE, "the body of " + target + " is larger than " + BODY_LIMIT / 1024 + " KiB");
            case 405 -> new TetherException(ResultCode.INVALID_PARAMETER, ctx.request().method() + " is not allowed on " + ctx.request().path());
            case 404 -> new TetherException(ResultCode.NOT_FOUND, "no such API path: " + target);
            case 400 -> new TetherException(ResultCode.INVALID_PARAMETER, "the request " + target + " is malformed");
            default -> status >= 400 && status < 500
                    ? new TetherException(ResultCode.INVALID_PARAMETER, "the request " + target + " was refused with HTTP " + status)
                    : new TetherException(ResultCode.INTERNAL, "the request " + target + " failed with HTTP " + status);
        };
    }

    /** The client's IP address, for per-address limits (no proxy header is trusted). */
    static String clientAddress(RoutingContext ctx) {
        var remote = ctx.request().remoteAddress();
        return remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    }

    /**
     * The request body as text, refused unless it is UTF-8: Vert.x's own decoding puts U+FFFD where a
     * byte is wrong, so a Latin-1 name would become another name. No body is {@code null}.
     */
    static String body(RoutingContext ctx) {
        var buffer = ctx.body().buffer();
        if (buffer == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(buffer.getBytes())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the body of " + ctx.request().method() + " "
                    + ctx.request().path() + " is not valid UTF-8 (JSON is UTF-8 text)");
        }
    }

    private static char[] chars(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the field '" + field + "' is required");
        }
        return value.toCharArray();
    }

    private static char[] optionalChars(String value) {
        return value == null || value.isEmpty() ? null : value.toCharArray();
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the field '" + field + "' is required");
        }
        return value;
    }

    private static Long optionalId(RoutingContext ctx, String name, String kind) {
        String v = ctx.queryParams().get(name);
        return v == null ? null : Ids.parse(kind, v);
    }

    private static ConnectionState connectionState(RoutingContext ctx) {
        String v = ctx.queryParams().get("state");
        if (v == null) {
            return null;
        }
        for (ConnectionState s : ConnectionState.values()) {
            if (s.name().equalsIgnoreCase(v) || Integer.toString(s.code()).equals(v)) {
                return s;
            }
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "the state '" + v
                + "' is not a connection state: use ACTIVATED (1), ACTIVATING (2), DEACTIVATED (3) or DEACTIVATING (4)");
    }

    private void batch(RoutingContext ctx, String operation) {
        Bodies.Batch body = Json.read(body(ctx), Bodies.Batch.class, "the " + operation + " request");
        submit(ctx, operation, body.selection(), false);
    }

    private void single(RoutingContext ctx, String operation) {
        submit(ctx, operation, Selection.of(id(ctx, "session")), true);
    }

    private void submit(RoutingContext ctx, String operation, Selection selection, boolean single) {
        Caller caller = caller(ctx);
        boolean wait = flag(ctx, "wait");
        answer(ctx, wait || selection.whatIf(), () -> operation.equals("close")
                ? kernel.sessions().close(caller, selection, single)
                : kernel.sessions().disconnect(caller, selection, single));
    }

    /**
     * Submits the request and answers 202 with it as accepted, or with {@code wait} 200 once it
     * completed (or as it stands after 300 s). {@code wait} comes first so that every parameter is
     * read, and refused if bad, before anything is submitted: a refused request changes nothing.
     */
    private void answer(RoutingContext ctx, boolean wait, java.util.function.Supplier<CompletableFuture<Submitted>> submit) {
        Caller caller = caller(ctx);
        CompletableFuture<RequestRecord> answer = submit.get().thenCompose(s -> wait || s.completion().isDone()
                ? scheduler.completeAfter(s.completion().copy(), MAX_WAIT, null)
                        .thenCompose(done -> done != null ? CompletableFuture.completedFuture(done) : kernel.requests().get(caller, s.request().id()))
                : CompletableFuture.completedFuture(s.request()));
        reply(ctx, wait ? 200 : 202, answer);
    }

    // ---------------------------------------------------------------- plumbing

    private void authenticate(RoutingContext ctx) {
        ctx.request().pause();
        String header = ctx.request().getHeader("Authorization");
        String ticket = ctx.queryParams().get("ticket");
        CompletableFuture<Caller> who;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = header.substring(7).trim();
            ctx.put(ISSUER, Accounts.fingerprint(token));
            who = accounts.authenticate(token);
        } else if (ticket != null && !forTickets(ctx)) {
            // Refused before it is redeemed: a ticket leaked into a URL must not become a token.
            who = CompletableFuture.failedFuture(new TetherException(ResultCode.UNAUTHENTICATED,
                    "a ticket is only for the attach WebSocket and the event stream (GET " + PREFIX + "/sessions/{id}/attach, GET "
                            + PREFIX + "/events); call " + ctx.request().method() + " " + ctx.request().path()
                            + " with a bearer token (Authorization: Bearer ...)"));
        } else if (ticket != null) {
            // The token that asked for the ticket must still be valid: revoking it ends its streams,
            // and a ticket taken just before must not open a new one.
            who = tickets.redeem(ticket).thenCompose(redeemed -> accounts.byFingerprint(redeemed.issuer())
                    .handle((valid, invalid) -> {
                        if (invalid != null) {
                            throw new TetherException(ResultCode.UNAUTHENTICATED, "the ticket was issued for a token that is no"
                                    + " longer valid (" + TetherException.unwrap(invalid).getMessage() + ")");
                        }
                        ctx.put(ISSUER, redeemed.issuer());
                        return redeemed.caller();
                    }));
        } else {
            who = CompletableFuture.failedFuture(new TetherException(ResultCode.UNAUTHENTICATED,
                    "this call needs a bearer token (Authorization: Bearer ...); the administrator's is in <data-dir>/admin.token"));
        }
        Future.fromCompletionStage(who, context()).onComplete(result -> {
            if (result.failed()) {
                ctx.request().resume();
                Errors.reply(ctx.response(), result.cause());
                return;
            }
            try {
                Caller caller = result.result();
                String own = ctx.request().getHeader("Tether-Session-Id");
                if (own != null && !own.isBlank()) {
                    caller = caller.withOwnSession(Ids.parse("session", own.trim()));
                }
                ctx.put(CALLER, caller);
                ctx.request().resume();
                ctx.next();
            } catch (TetherException e) {
                ctx.request().resume();
                Errors.reply(ctx.response(), e);
            }
        });
    }

    private static boolean forTickets(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        return ctx.request().method() == HttpMethod.GET && path != null && TICKET_PATHS.matcher(path).matches();
    }

    /** The fingerprint of the token behind the call: what revoking that token ends. */
    static String issuer(RoutingContext ctx) {
        return ctx.get(ISSUER);
    }

    private Context context() {
        return vertx.getOrCreateContext();
    }

    static Caller caller(RoutingContext ctx) {
        return ctx.get(CALLER);
    }

    static long id(RoutingContext ctx, String kind) {
        return Ids.parse(kind, ctx.pathParam("id"));
    }

    static boolean flag(RoutingContext ctx, String name) {
        String v = ctx.queryParams().get(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.isEmpty() || v.equals("true")) {
            return true;
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter " + name + "=" + v + " must be true or false");
    }

    static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParams().get(name);
        if (v == null) {
            return dflt;
        }
        // ASCII digits only: Integer.parseInt also takes a sign and every Unicode digit ("\u0663\u0660" is 30).
        if (!v.isEmpty() && v.length() <= 9 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter " + name + "=" + v + " must be a whole number from " + min + " to " + max);
    }

    /** Last-Event-ID, else {@code since}; empty when neither is given. */
    private static java.util.OptionalLong since(RoutingContext ctx) {
        String v = ctx.request().getHeader("Last-Event-ID");
        if (v == null) {
            v = ctx.queryParams().get("since");
        }
        if (v == null || v.isBlank()) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(v.trim().equals("0") ? 0 : Ids.parse("event", v.trim()));
    }

    private void ok(RoutingContext ctx, Object body) {
        send(ctx, 200, body);
    }

    private <T> void reply(RoutingContext ctx, int status, CompletionStage<T> result) {
        Future.fromCompletionStage(result, context()).onComplete(r -> {
            if (r.succeeded()) {
                send(ctx, status, r.result());
            } else {
                Errors.reply(ctx.response(), r.cause());
            }
        });
    }

    private static void send(RoutingContext ctx, int status, Object body) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(io.vertx.core.buffer.Buffer.buffer(Json.write(body).getBytes(StandardCharsets.UTF_8)));
        }
    }
}
