package dev.tether.client;

import dev.tether.api.EventRecord;
import dev.tether.api.TetherException;

/**
 * Hears events from {@link Events#subscribe}. Called on the subscription's own thread, one call at a
 * time, in event id order. An exception thrown here is logged and the next event is delivered anyway.
 */
public interface EventListener {

    void onEvent(EventRecord event);

    /** The stream ended normally: every stored event was delivered ({@code follow=false}). */
    default void onEnd() {
    }

    /** The stream failed and could not be resumed. No call follows. */
    default void onError(TetherException error) {
    }
}
