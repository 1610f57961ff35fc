package dev.tether.server;

import dev.tether.core.Caller;
import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Single-use tickets valid 30 s, for browsers, which cannot set headers on a WebSocket or EventSource. */
final class Tickets {
    static final Duration LIFETIME = Duration.ofSeconds(30);
    private static final int MAX_OUTSTANDING = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Ticket(Caller caller, Instant expiresAt) {
    }

    private final Map<String, Ticket> outstanding = new ConcurrentHashMap<>();
    private final InstantSource clock;

    Tickets(InstantSource clock) {
        this.clock = clock;
    }

    Map<String, Object> issue(Caller caller) {
        Instant now = clock.instant();
        outstanding.values().removeIf(t -> t.expiresAt().isBefore(now));
        if (outstanding.size() >= MAX_OUTSTANDING) {
            throw new TetherException(ResultCode.CONFLICT, "too many tickets outstanding (" + MAX_OUTSTANDING + "); use them or wait 30 s");
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant expires = now.plus(LIFETIME);
        outstanding.put(ticket, new Ticket(caller, expires));
        return Map.of("ticket", ticket, "expiresAt", expires);
    }

    CompletableFuture<Caller> redeem(String ticket) {
        Ticket t = outstanding.remove(ticket);
        if (t == null || t.expiresAt().isBefore(clock.instant())) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.UNAUTHENTICATED,
                    "the ticket is unknown, used or expired; ask for a new one with POST /api/v1/tickets"));
        }
        return CompletableFuture.completedFuture(t.caller());
    }
}
