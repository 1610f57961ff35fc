package dev.tether.client;

import dev.tether.api.ControlMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects what an attachment hears (public for the compat tests). */
public final class Recorder implements AttachListener {
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    public final List<ControlMessage> control = new CopyOnWriteArrayList<>();
    public final CompletableFuture<ControlMessage.Closed> closed = new CompletableFuture<>();
    /** The reason of each {@link #onReconnecting} call, and each reconnect's {@code attached}. */
    public final List<String> reconnecting = new CopyOnWriteArrayList<>();
    public final List<ControlMessage.Attached> reconnected = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void onOutput(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        output.writeBytes(copy);
    }

    @Override
    public void onControl(ControlMessage message) {
        control.add(message);
    }

    @Override
    public void onReconnecting(int attempt, java.time.Duration delay, String why) {
        reconnecting.add(why);
    }

    @Override
    public void onReconnected(ControlMessage.Attached attached) {
        reconnected.add(attached);
    }

    @Override
    public void onClosed(ControlMessage.Closed reason) {
        closed.complete(reason);
    }

    public synchronized String text() {
        return output.toString(StandardCharsets.UTF_8);
    }

    /** The control messages of one kind, in order. */
    public <T extends ControlMessage> List<T> control(Class<T> kind) {
        return control.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
