package dev.tether.cli;

import dev.tether.api.ControlMessage;
import dev.tether.client.AttachListener;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** An SDK attachment's ears, for tests that attach a second client beside the CLI. */
final class Listener implements AttachListener {
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    final List<ControlMessage> control = new CopyOnWriteArrayList<>();
    final CompletableFuture<ControlMessage.Closed> closed = new CompletableFuture<>();
    /** Why each reconnect began, and each reconnect's {@code attached}. */
    final List<String> reconnecting = new CopyOnWriteArrayList<>();
    final List<ControlMessage.Attached> reconnected = new CopyOnWriteArrayList<>();

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

    synchronized String text() {
        return output.toString(StandardCharsets.UTF_8);
    }

    <T extends ControlMessage> List<T> control(Class<T> kind) {
        return control.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
