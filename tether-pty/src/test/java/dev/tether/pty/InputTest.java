package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.core.terminal.Terminal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Terminal input: short inputs go straight to the PTY, long ones through the loop's queue, all whole and in order. */
class InputTest {
    @RegisterExtension
    static final Host host = new Host();

    @Test
    void inputsFromSeveralThreadsArriveWholeAndEachThreadsInOrder_shortAndLongMixed(@TempDir Path dir) throws Exception {
        Path received = dir.resolve("received");
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("sh", "-c",
                "stty -echo -icanon min 1; exec sed -u '/^END$/q' > '" + received + "'"), exits);
        int lines = 150; // thread 3 sends 750 KB: under the 1 MiB the queue takes
        var writers = new ArrayList<CompletableFuture<Void>>();
        for (int t = 0; t < 4; t++) {
            String name = "t" + t;
            String padding = t == 3 ? "x".repeat(5000) : ""; // thread 3: inputs longer than a direct write takes
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < lines; i++) {
                    terminal.write(ByteBuffer.wrap((name + " " + i + " " + padding + "\n").getBytes(StandardCharsets.US_ASCII)));
                }
            }));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        terminal.write(ByteBuffer.wrap("END\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(exits.await()).isZero();

        Map<String, List<Integer>> seen = new HashMap<>();
        for (String line : Files.readAllLines(received)) {
            if (line.equals("END")) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            assertThat(parts).as("a whole line: %s", line.length() > 40 ? line.substring(0, 40) + "..." : line).hasSize(3);
            assertThat(parts[2]).isEqualTo(parts[0].equals("t3") ? "x".repeat(5000) : "");
            seen.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
        }
        List<Integer> expected = java.util.stream.IntStream.range(0, lines).boxed().toList();
        assertThat(seen).containsOnlyKeys("t0", "t1", "t2", "t3");
        seen.values().forEach(numbers -> assertThat(numbers).isEqualTo(expected));
    }
}
