package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Asynchronous operations ({@code /requests}): look one up, or wait for it to complete. */
public final class Requests {
    static final JavaType REQUEST = Json.type(RequestRecord.class);
    /** How long one {@code ?wait=true} call may be held by the server; the SDK loops beyond that. */
    private static final int WAIT_SLICE_SECONDS = 30;

    private final Http http;

    Requests(Http http) {
        this.http = http;
    }

    /** The request now: RUNNING or COMPLETED, with a result per target. */
    public RequestRecord get(long id) {
        Ids.check("request", id);
        return http.get("/requests/" + id, REQUEST);
    }

    /** Blocks until the request is COMPLETED, however long that takes. */
    public RequestRecord await(long id) {
        Ids.check("request", id);
        while (true) {
            RequestRecord request = waitSlice(id, WAIT_SLICE_SECONDS);
            if (request.status() == RequestStatus.COMPLETED) {
                return request;
            }
        }
    }

    /**
     * Blocks until the request is COMPLETED or {@code timeout} passes.
     *
     * @throws TetherException TIMEOUT when the request is still running at the deadline
     */
    public RequestRecord await(long id, Duration timeout) {
        Ids.check("request", id);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long remaining = deadline - System.nanoTime();
            int seconds = (int) Math.min(WAIT_SLICE_SECONDS, Math.max(0, (remaining + 999_999_999L) / 1_000_000_000L));
            RequestRecord request = waitSlice(id, seconds);
            if (request.status() == RequestStatus.COMPLETED) {
                return request;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TetherException(ResultCode.TIMEOUT,
                        "request " + id + " is still RUNNING after " + timeout.toSeconds() + " s");
            }
        }
    }

    /** Completes when the request is COMPLETED; no thread waits meanwhile. */
    public CompletableFuture<RequestRecord> completion(long id) {
        Ids.check("request", id);
        return http.<RequestRecord>callAsync("GET", waitPath(id, WAIT_SLICE_SECONDS), null, REQUEST, sliceTimeout(WAIT_SLICE_SECONDS))
                .thenCompose(request -> request.status() == RequestStatus.COMPLETED
                        ? CompletableFuture.completedFuture(request)
                        : completion(id));
    }

    /** Wraps an accepted request: done already (a what-if, or a target with nothing to do), or followed. */
    PendingRequest pending(RequestRecord accepted) {
        if (accepted.status() == RequestStatus.COMPLETED || accepted.id() == 0) {
            return new PendingRequest(accepted, CompletableFuture.completedFuture(accepted));
        }
        return new PendingRequest(accepted, completion(accepted.id()));
    }

    private RequestRecord waitSlice(long id, int seconds) {
        return http.call("GET", waitPath(id, seconds), null, REQUEST, sliceTimeout(seconds));
    }

    private static String waitPath(long id, int seconds) {
        return "/requests/" + id + "?wait=true&timeout=" + seconds;
    }

    private static Duration sliceTimeout(int seconds) {
        // The server answers at its own timeout; ours is a backstop for a server that never answers.
        return Duration.ofSeconds(seconds + 15L);
    }
}
