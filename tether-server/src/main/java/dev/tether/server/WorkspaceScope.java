package dev.tether.server;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The routes a workspace token may call: it exists to attach clients and act on its own
 * workspace's connections, so it may read its user's sessions (to find what to attach), attach,
 * read and disconnect its workspace's connections, read or disconnect its own workspace, follow
 * the requests and events that causes, and get a ticket for a browser. Everything else (starting,
 * disconnecting, closing, locking or messaging sessions, credentials, tokens, users) needs the user
 * token. The services check the targets (its own workspace and its connections only).
 */
final class WorkspaceScope {
    private record Allowed(HttpMethod method, Pattern path) {
        static Allowed of(HttpMethod method, String path) {
            return new Allowed(method, Pattern.compile(Api.PREFIX + path.replace(":id", "[^/]+")));
        }
    }

    private static final List<Allowed> ALLOWED = List.of(
            Allowed.of(HttpMethod.GET, "/server"),
            Allowed.of(HttpMethod.GET, "/sessions"),
            Allowed.of(HttpMethod.GET, "/sessions/:id"),
            Allowed.of(HttpMethod.GET, "/sessions/:id/attach"),
            Allowed.of(HttpMethod.GET, "/sessions/:id/virtual-desktop"),
            Allowed.of(HttpMethod.GET, "/connections"),
            Allowed.of(HttpMethod.GET, "/connections/:id"),
            Allowed.of(HttpMethod.POST, "/connections/:id/disconnect"),
            Allowed.of(HttpMethod.GET, "/workspaces"),
            Allowed.of(HttpMethod.GET, "/workspaces/:id"),
            Allowed.of(HttpMethod.POST, "/workspaces/:id/disconnect"),
            Allowed.of(HttpMethod.GET, "/requests/:id"),
            Allowed.of(HttpMethod.GET, "/events"),
            Allowed.of(HttpMethod.POST, "/tickets"));

    private WorkspaceScope() {
    }

    /** Passes every caller but a workspace token on a route it may not use (ACCESS_DENIED). */
    static void check(RoutingContext ctx) {
        Caller caller = Api.caller(ctx);
        if (caller == null || caller.workspaceId() == null) {
            ctx.next();
            return;
        }
        HttpMethod method = ctx.request().method();
        String path = ctx.normalizedPath();
        if (ALLOWED.stream().anyMatch(a -> a.method().equals(method) && a.path().matcher(path).matches())) {
            ctx.next();
            return;
        }
        Errors.reply(ctx.response(), new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace " + caller.workspaceId()
                + " may only attach to sessions and act on that workspace's connections; " + method + " " + path
                + " needs the user token of " + caller.user()));
    }
}
