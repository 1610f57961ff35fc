package dev.tether.core.request;

import dev.tether.api.RequestRecord;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous request as accepted (RUNNING, or COMPLETED when nothing was left to do) and the
 * future of its completion, which {@link RequestBook} completes once the completion is stored.
 */
public record Submitted(RequestRecord request, CompletableFuture<RequestRecord> completion) {
}
