package dev.tether.client;

import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A request the server has accepted (IMbnConnection::Disconnect's {@code out requestId}): its id is
 * known at once, and {@link #completion()} completes when the request does (OnDisconnectComplete).
 */
public final class PendingRequest {
    private final RequestRecord accepted;
    private final CompletableFuture<RequestRecord> completion;

    PendingRequest(RequestRecord accepted, CompletableFuture<RequestRecord> completion) {
        this.accepted = accepted;
        this.completion = completion;
    }

    /** The request id (0 for a what-if, which is answered at once and not stored). */
    public long id() {
        return accepted.id();
    }

    /** The request as the server accepted it: RUNNING, or already COMPLETED. */
    public RequestRecord accepted() {
        return accepted;
    }

    /** Completes with the COMPLETED request, or exceptionally with a {@link TetherException}. */
    public CompletableFuture<RequestRecord> completion() {
        return completion;
    }

    /** Blocks until the request completes. */
    public RequestRecord await() {
        try {
            return completion.get();
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof TetherException t) {
                throw t;
            }
            throw new TetherException(ResultCode.INTERNAL,
                    "waiting for request " + id() + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED,
                    "interrupted while waiting for request " + id());
        }
    }
}
