package dev.tether.server;

import dev.tether.api.Bodies;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use tickets valid 30 s, for browsers, which cannot set headers on a WebSocket or
 * EventSource. A ticket opens only those two (see {@link Api}), stands for the token that asked
 * for it (so revoking that token ends what the ticket opened), and one user holds at most
 * {@link #PER_USER} unused ones, so nobody can empty the pool for the others.
 */
final class Tickets {
    static final Duration LIFETIME = Duration.ofSeconds(30);
    /** Unused tickets one user may hold: a console opens a few streams at a time, not a hundred. */
    static final int PER_USER = 100;
    /** A bound on memory whatever the number of users (each ticket is about 200 bytes). */
    private static final int MAX_OUTSTANDING = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Ticket(Caller caller, String issuer, Instant expiresAt) {
    }

    /** Who a redeemed ticket stands for, and the fingerprint of the token that asked for it. */
    record Redeemed(Caller caller, String issuer) {
    }

    private final Map<String, Ticket> outstanding = new ConcurrentHashMap<>();
    private final InstantSource clock;

    Tickets(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * A new ticket for {@code caller}, issued by the token with fingerprint {@code issuer}.
     *
     * @throws TetherException RATE_LIMITED when the caller's user already holds {@link #PER_USER} unused tickets
     */
    synchronized Bodies.Ticket issue(Caller caller, String issuer) {
        // Synchronized: the count and the insertion are one step, or concurrent calls would pass the quota together.
        Instant now = clock.instant();
        outstanding.values().removeIf(t -> t.expiresAt().isBefore(now));
        var mine = outstanding.values().stream().filter(t -> t.caller().user().equals(caller.user())).toList();
        if (mine.size() >= PER_USER) {
            Instant freed = mine.stream().map(Ticket::expiresAt).min(Instant::compareTo).orElse(now.plus(LIFETIME));
            Duration wait = Duration.between(now, freed);
            throw new TetherException(ResultCode.RATE_LIMITED, caller.user() + " already holds " + PER_USER
                    + " unused tickets; use them, or ask again in " + Math.max(1, wait.toSeconds()) + " s when the oldest expires", wait);
        }
        if (outstanding.size() >= MAX_OUTSTANDING) {
            throw new TetherException(ResultCode.RATE_LIMITED, "the server holds " + MAX_OUTSTANDING
                    + " unused tickets; ask again in " + LIFETIME.toSeconds() + " s", LIFETIME);
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant expires = now.plus(LIFETIME);
        outstanding.put(ticket, new Ticket(caller, issuer, expires));
        return new Bodies.Ticket(ticket, expires);
    }

    CompletableFuture<Redeemed> redeem(String ticket) {
        Ticket t = outstanding.remove(ticket);
        if (t == null || t.expiresAt().isBefore(clock.instant())) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.UNAUTHENTICATED,
                    "the ticket is unknown, used or expired; ask for a new one with POST /api/v1/tickets"));
        }
        return CompletableFuture.completedFuture(new Redeemed(t.caller(), t.issuer()));
    }
}
