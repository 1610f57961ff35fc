package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Single-use tickets: what they open, and how many one user may hold. */
class TicketsTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    /** Routes that need no credential at all, so a ticket there grants nothing. */
    private static final Set<String> PUBLIC = Set.of("GET /api/v1/openapi.yaml", "GET /api/v1/openapi.json", "POST /api/v1/login");
    /** The only two routes a ticket is for: browsers cannot set headers on a WebSocket or an EventSource. */
    private static final Set<String> TICKET_ROUTES = Set.of("GET /api/v1/sessions/:id/attach", "GET /api/v1/events");

    private static String ticket(String bearer) {
        var r = server.call("POST", "/tickets", null, bearer, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.body().get("ticket").asText();
    }

    /**
     * Tickets were accepted on every REST route. Reproduction: {@code POST /api/v1/tokens?ticket=T}
     * with {@code {"application":"x"}} answered 201 with a new token, and
     * {@code POST /api/v1/users/admin/password?ticket=T} set the administrator's password, so a
     * ticket leaked from a browser's URL was as good as the token that asked for it. Now every
     * route but attach and events answers 401 UNAUTHENTICATED saying what tickets are for.
     */
    @Test
    void aTicketIsRefusedOnEveryRestRoute() {
        List<String> tried = new ArrayList<>();
        for (String route : server.server.routes()) {
            int space = route.indexOf(' ');
            String method = route.substring(0, space);
            String path = route.substring(space + 1);
            // The catch-alls (authentication and body handlers on /api/v1/*) are not operations.
            if (!path.startsWith("/api/v1/") || path.contains("*") || path.endsWith("/") || PUBLIC.contains(route)
                    || TICKET_ROUTES.contains(route)) {
                continue;
            }
            String concrete = path.substring("/api/v1".length()).replace(":id", "1").replace(":wid", "w1")
                    .replace(":name", "admin").replace(":method", "disconnect");
            String body = method.equals("GET") ? null : "{\"application\":\"stolen\",\"password\":\"hunter2hunter2\"}";
            var r = server.call(method, concrete + "?ticket=" + ticket(server.token), body, null, null);
            assertThat(r.status()).as(route + ": " + r.text()).isEqualTo(401);
            assertThat(r.error()).as(route).isEqualTo("UNAUTHENTICATED");
            assertThat(r.body().get("message").asText()).as(route)
                    .contains("a ticket is only for the attach WebSocket and the event stream")
                    .contains(method + " " + path.replace(":id", "1").replace(":wid", "w1").replace(":name", "admin")
                            .replace(":method", "disconnect"));
            tried.add(route);
        }
        assertThat(tried).as("the routes tried").contains("POST /api/v1/tokens", "POST /api/v1/users/:name/password",
                "POST /api/v1/tickets", "GET /api/v1/sessions").hasSizeGreaterThan(25);

        // What tickets are for still works.
        var events = server.call("GET", "/events?follow=false&since=0&ticket=" + ticket(server.token), null, null, null);
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.text()).contains("event: UserCreated");
        long id = server.shell("exec sleep 60");
        TestTerminal t = TestTerminal.open(server.url(), null, id, "ticket=" + ticket(server.token));
        assertThat(t.control("attached").get("sessionId").asLong()).isEqualTo(id);
        t.leave();
    }

    /**
     * One user could empty the ticket pool for everybody. Reproduction: one user asked for 10,000
     * tickets in 3.5 s; then {@code POST /tickets} answered 409 CONFLICT to every user for 30 s.
     * Now a user holds at most {@link Tickets#PER_USER} unused tickets; past that, that user alone
     * gets 429 RATE_LIMITED with Retry-After, and the others are served.
     */
    @Test
    void oneUserCannotEmptyTheTicketPoolForTheOthers() throws Exception {
        String mallory = server.addUser("mallory", false);
        String erin = server.addUser("erin", false);
        for (int i = 0; i < Tickets.PER_USER; i++) {
            ticket(mallory);
        }
        var refused = rawPost("/api/v1/tickets", mallory);
        assertThat(refused.getFirst()).contains(" 429 ");
        assertThat(refused).anySatisfy(h -> assertThat(h).matches("(?i)retry-after: ([1-9]|[12][0-9]|30)"));
        assertThat(String.join("\n", refused)).contains("\"error\":\"RATE_LIMITED\"")
                .contains("mallory already holds " + Tickets.PER_USER + " unused tickets");
        assertThat(ticket(erin)).isNotBlank();
        assertThat(ticket(server.token)).isNotBlank();
    }

    /** The quota counts unused tickets: using one or letting it expire (on the injected clock) gives the place back. */
    @Test
    void aUsersQuotaComesBackAsItsTicketsAreUsedOrExpire() {
        var clock = new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        var tickets = new Tickets(clock::get);
        var walt = new dev.tether.core.account.Caller("walt", false, 0);
        List<String> issued = new ArrayList<>();
        for (int i = 0; i < Tickets.PER_USER; i++) {
            issued.add(tickets.issue(walt, "fingerprint").ticket());
        }
        var full = org.assertj.core.api.Assertions.catchThrowableOfType(dev.tether.api.TetherException.class,
                () -> tickets.issue(walt, "fingerprint"));
        assertThat(full.code()).isEqualTo(dev.tether.api.ResultCode.RATE_LIMITED);
        assertThat(full.retryAfter()).contains(java.time.Duration.ofSeconds(30));
        assertThat(tickets.issue(new dev.tether.core.account.Caller("vera", false, 0), "other").ticket()).isNotBlank();

        assertThat(tickets.redeem(issued.getFirst()).join().caller()).isEqualTo(walt);
        assertThat(tickets.issue(walt, "fingerprint").ticket()).isNotBlank();

        clock.set(clock.get().plusSeconds(20));
        var stillFull = org.assertj.core.api.Assertions.catchThrowableOfType(dev.tether.api.TetherException.class,
                () -> tickets.issue(walt, "fingerprint"));
        assertThat(stillFull.retryAfter()).contains(java.time.Duration.ofSeconds(10));
        clock.set(clock.get().plusSeconds(11));
        assertThat(tickets.issue(walt, "fingerprint").ticket()).isNotBlank();
    }

    /** The status line, the headers and the body of a POST sent by hand (the JDK client hides nothing, but this shows all). */
    private static List<String> rawPost(String path, String bearer) throws Exception {
        try (var socket = new Socket(server.url().getHost(), server.url().getPort())) {
            socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: " + server.url().getAuthority()
                    + "\r\nAuthorization: Bearer " + bearer + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return in.lines().toList();
        }
    }
}
