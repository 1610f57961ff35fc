package dev.tether.server;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names this server answers to, checked on every request before anything else.
 *
 * <p>Host must be one of them: a loopback name (127.0.0.1, localhost, [::1]) or the listen address
 * on the listen port, or the public URL's host and port. A page whose DNS name was rebound to
 * 127.0.0.1 sends its own name as Host, so it is refused even though its Origin matches that Host.
 * On a wildcard listen address (0.0.0.0, ::) any IP literal and the machine's host name are
 * accepted too: an IP literal cannot be rebound, and any other name must be given as the public URL.
 *
 * <p>Origin, when a browser sends one, must be this server as a browser sees it: scheme, host and
 * port, {@code http} on the listen port or exactly the public URL's. No Origin is a program (the
 * CLI, the SDK), which a browser's page cannot pretend to be.
 */
final class Origins {
    private record Name(String scheme, String host, int port) {
        @Override
        public String toString() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return scheme + "://" + h + ":" + port;
        }

        String authority() {
            return toString().substring(scheme.length() + 3);
        }
    }

    private final Set<Name> names = new LinkedHashSet<>();
    private final boolean anyAddress;
    private final int port;

    Origins(String listenHost, int port, URI publicUrl) {
        this.port = port;
        String listen = bare(listenHost);
        this.anyAddress = listen.equals("0.0.0.0") || listen.equals("::");
        for (String loopback : List.of("127.0.0.1", "localhost", "::1")) {
            names.add(new Name("http", loopback, port));
        }
        if (anyAddress) {
            names.add(new Name("http", bare(ServerConfig.hostName()), port));
        } else {
            names.add(new Name("http", listen, port));
        }
        if (publicUrl != null) {
            String scheme = publicUrl.getScheme().toLowerCase(Locale.ROOT);
            names.add(new Name(scheme, bare(publicUrl.getHost()), publicUrl.getPort() != -1 ? publicUrl.getPort()
                    : scheme.equals("https") ? 443 : 80));
        }
    }

    /** A route handler: refuses a request whose Host or Origin does not name this server, else goes on. */
    void check(RoutingContext ctx) {
        if (lacksHost(ctx.request())) {
            throw noHost(ctx.request());
        }
        String host = ctx.request().getHeader("Host");
        if (!knownHost(host.trim())) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "the Host " + host.trim() + " is not a name of this server; use "
                    + allowed(false) + " (a DNS name or proxy in front of the server must be given with serve --public-url)");
        }
        String origin = ctx.request().getHeader("Origin");
        if (origin != null && !knownOrigin(origin.trim())) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "the Origin " + origin.trim()
                    + " is not this server; a browser may call it only from " + allowed(true));
        }
        ctx.next();
    }

    /**
     * HTTP/1.1 wants exactly one Host header, not blank (RFC 9112 §3.2), and the server speaks
     * HTTP/1.1 only. {@link #check} refuses such a request; when Vert.x fails it before any route
     * runs, the failure handler asks the same question.
     */
    static boolean lacksHost(io.vertx.core.http.HttpServerRequest request) {
        List<String> hosts = request.headers().getAll("Host");
        try {
            return hosts.size() != 1 || hosts.getFirst().isBlank() || request.authority() == null;
        } catch (RuntimeException unparsable) {
            return true;
        }
    }

    /** The answer to a request that {@link #lacksHost lacks a Host}. */
    static TetherException noHost(io.vertx.core.http.HttpServerRequest request) {
        return new TetherException(ResultCode.INVALID_PARAMETER, "the request " + request.method() + " " + request.path()
                + " has no Host header, or more than one; HTTP/1.1 requires exactly one naming this server, e.g. Host: "
                + request.localAddress());
    }

    private boolean knownHost(String header) {
        Name h = parse("http", header);
        if (h == null) {
            return false;
        }
        for (Name n : names) {
            // Without a port, Host means the default port of the scheme the browser used: 80 on the
            // listen address, the public URL's own default behind a proxy.
            int wanted = h.port() != -1 ? h.port() : n.scheme().equals("https") ? 443 : 80;
            if (n.host().equals(h.host()) && n.port() == wanted) {
                return true;
            }
        }
        return anyAddress && (h.port() != -1 ? h.port() : 80) == port && isIpLiteral(h.host());
    }

    private boolean knownOrigin(String header) {
        URI o;
        try {
            o = URI.create(header);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (o.getScheme() == null || o.getHost() == null || o.getRawPath() != null && !o.getRawPath().isEmpty()) {
            return false; // "null", a path, or no host: not an origin of this server
        }
        String scheme = o.getScheme().toLowerCase(Locale.ROOT);
        int p = o.getPort() != -1 ? o.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        var name = new Name(scheme, bare(o.getHost()), p);
        return names.contains(name) || anyAddress && scheme.equals("http") && p == port && isIpLiteral(name.host());
    }

    /** HOST[:PORT] of a Host header (IPv6 in brackets); the port is -1 when absent; null when malformed. */
    private static Name parse(String scheme, String header) {
        String host;
        String rest;
        if (header.startsWith("[")) {
            int close = header.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = header.substring(1, close);
            rest = header.substring(close + 1);
        } else {
            int colon = header.indexOf(':');
            host = colon < 0 ? header : header.substring(0, colon);
            rest = colon < 0 ? "" : header.substring(colon);
        }
        int p = -1;
        if (!rest.isEmpty()) {
            if (!rest.matches(":[0-9]{1,5}")) {
                return null;
            }
            p = Integer.parseInt(rest.substring(1));
        }
        return host.isEmpty() ? null : new Name(scheme, bare(host), p);
    }

    private String allowed(boolean origins) {
        var list = names.stream().map(n -> origins ? n.toString() : n.authority()).toList();
        return String.join(", ", list) + (anyAddress ? " or an IP address of this machine on port " + port : "");
    }

    private static String bare(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.toLowerCase(Locale.ROOT);
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":") && host.matches("[0-9a-f:.]+");
    }
}
