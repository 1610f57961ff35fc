package dev.tether.server;

import dev.tether.core.Accounts;
import dev.tether.core.Caller;
import dev.tether.core.Ids;
import dev.tether.core.NewSession;
import dev.tether.core.RequestRecord;
import dev.tether.core.RequestStatus;
import dev.tether.core.ResultCode;
import dev.tether.core.Selection;
import dev.tether.core.SessionService;
import dev.tether.core.TetherException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** The REST API under {@code /api/v1}: routes, authentication, and the mapping of answers and errors. */
final class Api {
    static final String PREFIX = "/api/v1";
    static final int BODY_LIMIT = 64 * 1024;
    private static final String CALLER = "tether.caller";
    private static final Duration MAX_WAIT = Duration.ofSeconds(300);

    private final Vertx vertx;
    private final SessionService sessions;
    private final Accounts accounts;
    private final Tickets tickets;
    private final ServerInfo info;
    private final Attach attach;
    private final byte[] openapi;

    record ServerInfo(String name, String version, String url, Instant startedAt) {
    }

    Api(Vertx vertx, SessionService sessions, Accounts accounts, Tickets tickets, ServerInfo info) {
        this.vertx = vertx;
        this.sessions = sessions;
        this.accounts = accounts;
        this.tickets = tickets;
        this.info = info;
        this.attach = new Attach(sessions, info.url());
        try (InputStream in = Api.class.getResourceAsStream("openapi.yaml")) {
            this.openapi = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.yaml is missing from the server jar", e);
        }
    }

    Router router() {
        Router router = Router.router(vertx);
        router.get(PREFIX + "/openapi.yaml").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/yaml").end(io.vertx.core.buffer.Buffer.buffer(openapi)));
        router.route(PREFIX + "/*").handler(this::authenticate);
        router.route(PREFIX + "/*").method(HttpMethod.POST).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));

        router.get(PREFIX + "/server").handler(ctx -> ok(ctx, Map.of("name", info.name(), "version", info.version(),
                "url", info.url(), "startedAt", info.startedAt(), "caller", Map.of("name", caller(ctx).user(), "admin", caller(ctx).admin()))));

        router.get(PREFIX + "/sessions").handler(ctx -> reply(ctx, 200,
                sessions.list(caller(ctx), flag(ctx, "allStates"))));
        router.post(PREFIX + "/sessions").handler(ctx -> reply(ctx, 201,
                sessions.create(caller(ctx), Json.read(ctx.body().asString(), NewSession.class, "the new session"))));
        router.post(PREFIX + "/sessions/disconnect").handler(ctx -> batch(ctx, "disconnect"));
        router.post(PREFIX + "/sessions/close").handler(ctx -> batch(ctx, "close"));
        router.get(PREFIX + "/sessions/:id").handler(ctx -> reply(ctx, 200, sessions.get(caller(ctx), id(ctx, "session"))));
        router.post(PREFIX + "/sessions/:id/disconnect").handler(ctx -> single(ctx, "disconnect"));
        router.post(PREFIX + "/sessions/:id/close").handler(ctx -> single(ctx, "close"));
        router.get(PREFIX + "/sessions/:id/attach").handler(ctx -> attach.handle(ctx, caller(ctx), id(ctx, "session")));

        router.get(PREFIX + "/requests/:id").handler(ctx -> {
            long id = id(ctx, "request");
            reply(ctx, 200, flag(ctx, "wait")
                    ? sessions.awaitRequest(caller(ctx), id, Duration.ofSeconds(intParam(ctx, "timeout", 30, 0, 300)))
                    : sessions.request(caller(ctx), id));
        });
        router.get(PREFIX + "/events").handler(ctx -> new EventStream(ctx, caller(ctx), sessions).start(
                since(ctx), ctx.queryParam("follow").stream().noneMatch("false"::equals)));
        router.post(PREFIX + "/tickets").handler(ctx -> ok(ctx, tickets.issue(caller(ctx))));

        router.get(PREFIX + "/users").handler(ctx -> reply(ctx, 200, accounts.users(caller(ctx))));
        router.post(PREFIX + "/users").handler(ctx -> {
            UserBody body = Json.read(ctx.body().asString(), UserBody.class, "the new user");
            reply(ctx, 201, accounts.addUser(caller(ctx), body.name(), Boolean.TRUE.equals(body.admin())));
        });

        router.route().last().handler(ctx -> Errors.reply(ctx.response(), new TetherException(ResultCode.NOT_FOUND,
                "no such API path: " + ctx.request().method() + " " + ctx.request().path())));
        router.route().failureHandler(ctx -> Errors.reply(ctx.response(), ctx.failure() != null ? ctx.failure() : byStatus(ctx)));
        return router;
    }

    private static TetherException byStatus(RoutingContext ctx) {
        String target = ctx.request().method() + " " + ctx.request().path();
        return switch (ctx.statusCode()) {
            case 413 -> new TetherException(ResultCode.TOO_LARGE, "the body of " + target + " is larger than " + BODY_LIMIT / 1024 + " KiB");
            case 405 -> new TetherException(ResultCode.INVALID_PARAMETER, ctx.request().method() + " is not allowed on " + ctx.request().path());
            case 404 -> new TetherException(ResultCode.NOT_FOUND, "no such API path: " + target);
            case 400 -> new TetherException(ResultCode.INVALID_PARAMETER, "the request " + target + " is malformed");
            default -> new TetherException(ResultCode.INTERNAL, "the request " + target + " failed with HTTP " + ctx.statusCode());
        };
    }

    record UserBody(String name, Boolean admin) {
    }

    record BatchBody(List<Long> ids, Boolean all, Boolean whatIf) {
    }

    private void batch(RoutingContext ctx, String operation) {
        BatchBody body = Json.read(ctx.body().asString(), BatchBody.class, "the " + operation + " request");
        var selection = new Selection(body.ids(), Boolean.TRUE.equals(body.all()), Boolean.TRUE.equals(body.whatIf()));
        submit(ctx, operation, selection, false);
    }

    private void single(RoutingContext ctx, String operation) {
        submit(ctx, operation, Selection.of(id(ctx, "session")), true);
    }

    private void submit(RoutingContext ctx, String operation, Selection selection, boolean single) {
        Caller caller = caller(ctx);
        boolean wait = flag(ctx, "wait");
        var submitted = operation.equals("close")
                ? sessions.close(caller, selection, single)
                : sessions.disconnect(caller, selection, single);
        CompletableFuture<RequestRecord> answer = submitted.thenCompose(s -> wait || s.request().status() == RequestStatus.COMPLETED
                ? s.completion().copy().completeOnTimeout(null, MAX_WAIT.toSeconds(), TimeUnit.SECONDS)
                        .thenCompose(done -> done != null ? CompletableFuture.completedFuture(done) : sessions.request(caller, s.request().id()))
                : CompletableFuture.completedFuture(s.request()));
        reply(ctx, wait || selection.whatIf() ? 200 : 202, answer);
    }

    // ---------------------------------------------------------------- plumbing

    private void authenticate(RoutingContext ctx) {
        ctx.request().pause();
        String header = ctx.request().getHeader("Authorization");
        String ticket = ctx.queryParams().get("ticket");
        CompletableFuture<Caller> who;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            who = accounts.authenticate(header.substring(7).trim());
        } else if (ticket != null) {
            who = tickets.redeem(ticket);
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
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter " + name + "=" + v + " must be a whole number from " + min + " to " + max);
    }

    private static long since(RoutingContext ctx) {
        String v = ctx.request().getHeader("Last-Event-ID");
        if (v == null) {
            v = ctx.queryParams().get("since");
        }
        if (v == null || v.isBlank()) {
            return 0;
        }
        return v.trim().equals("0") ? 0 : Ids.parse("event", v.trim());
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
