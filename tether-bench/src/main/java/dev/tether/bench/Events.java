package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The server's event stream ({@code GET /events}, Server-Sent Events), read on a thread of its own. */
final class Events implements AutoCloseable {
    /** One event and {@link System#nanoTime} when its last line arrived. */
    record Event(long id, String type, JsonNode data, long receivedNanos) {
    }

    private final Thread reader;
    private volatile Stream<String> lines;
    private volatile boolean closed;

    private Events(Thread reader) {
        this.reader = reader;
    }

    /** Follows the events after {@code since}; {@code listener} runs on the reader thread. */
    static Events follow(Rest rest, long since, Consumer<Event> listener) {
        var opened = new CompletableFuture<Void>();
        var holder = new Events[1];
        Thread t = Thread.ofPlatform().daemon().name("bench-events").unstarted(() -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(rest.api() + "/events?since=" + since))
                    .header("Authorization", "Bearer " + rest.token()).header("Accept", "text/event-stream").GET().build();
            try {
                HttpResponse<Stream<String>> r = rest.http().send(request, HttpResponse.BodyHandlers.ofLines());
                if (r.statusCode() != 200) {
                    opened.completeExceptionally(new BenchException("GET /events answered " + r.statusCode()));
                    return;
                }
                holder[0].lines = r.body();
                opened.complete(null);
                long id = 0;
                String type = null;
                StringBuilder data = new StringBuilder();
                for (var it = r.body().iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.isEmpty()) {
                        if (type != null && !data.isEmpty()) {
                            listener.accept(new Event(id, type, Rest.JSON.readTree(data.toString()).path("data"), System.nanoTime()));
                        }
                        type = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = Long.parseLong(line.substring(3).trim());
                    } else if (line.startsWith("event:")) {
                        type = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!holder[0].closed) {
                    opened.completeExceptionally(new BenchException("the event stream failed: " + e, e));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holder[0] = new Events(t);
        t.start();
        try {
            opened.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new BenchException("cannot follow the events: " + e.getMessage(), e);
        }
        return holder[0];
    }

    @Override
    public void close() {
        closed = true;
        Stream<String> s = lines;
        if (s != null) {
            s.close();
        }
        reader.interrupt();
    }
}
