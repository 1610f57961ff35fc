package dev.tether.server;

import dev.tether.api.ErrorBody;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one exception mapper. Client faults are logged at debug; server faults at error with a
 * reference number that the answer carries, so a user can quote it without seeing internals.
 */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
    private static final AtomicLong REFS = new AtomicLong();

    private Errors() {
    }

    static TetherException toTether(Throwable failure) {
        Throwable e = TetherException.unwrap(failure);
        if (e instanceof TetherException te) {
            if (te.code() == ResultCode.INTERNAL) {
                LOG.error("internal error: {}", te.getMessage(), te);
            } else {
                LOG.debug("{}: {}", te.code(), te.getMessage());
            }
            return te;
        }
        if (hungUp(e)) {
            // Nobody is left to answer, and nothing went wrong on this side.
            LOG.debug("the client went away: {}", e.toString());
            return new TetherException(ResultCode.INVALID_PARAMETER, "the client closed the connection");
        }
        if (e instanceof IllegalArgumentException && e.getStackTrace().length > 0
                && e.getStackTrace()[0].getClassName().startsWith("io.netty.handler.codec")) {
            // Netty's HTTP decoder refused what the client sent (a bad chunk size, say).
            LOG.debug("a malformed request: {}", e.toString());
            return new TetherException(ResultCode.INVALID_PARAMETER, "the request is malformed HTTP");
        }
        long ref = REFS.incrementAndGet();
        LOG.error("internal error (ref {})", ref, e);
        return new TetherException(ResultCode.INTERNAL, "internal error in the Tether server (log reference " + ref + ")");
    }

    static void reply(HttpServerResponse response, Throwable failure) {
        TetherException e = toTether(failure);
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            response.reset();
            return;
        }
        // whole seconds, rounded up: asking again sooner would be refused again
        e.retryAfter().ifPresent(d -> response.putHeader("Retry-After", Long.toString(Math.max(1, (d.toMillis() + 999) / 1000))));
        response.setStatusCode(e.code().httpStatus())
                .putHeader("Content-Type", "application/json")
                .end(Json.write(ErrorBody.of(e.code(), e.getMessage())));
    }

    /** The connection was closed or reset by the client: its own doing, worth a debug line at most. */
    static boolean hungUp(Throwable e) {
        // Only what a peer going away causes: other socket failures (no file descriptors left, a bind
        // or connect refused) are the server's and are logged as such.
        String m = e.getMessage();
        return e instanceof HttpClosedException || e instanceof ClosedChannelException
                || e instanceof IOException && m != null
                && (m.contains("Connection reset") || m.contains("Broken pipe") || m.equals("Socket closed"));
    }
}
