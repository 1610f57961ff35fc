package dev.tether.pty;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The other process of {@link UnixSocketTest}: connects to the socket named by its second argument
 * and plays one part, the way a keeper hands fds to a server.
 * <ul>
 *   <li>{@code pty}: opens a PTY, sends its master with the slave's name, reads one line from the
 *       slave and sends it back as {@code got: LINE};</li>
 *   <li>{@code hello}: sends {@code hello} and exits;</li>
 *   <li>{@code half}: writes a length of 100 and 10 bytes of the body, then dies (halt).</li>
 * </ul>
 */
public final class UnixSocketPeerMain {
    private UnixSocketPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        try (UnixSocket socket = UnixSocket.connect(Path.of(args[1]))) {
            switch (args[0]) {
                case "pty" -> handOverAPty(socket);
                case "hello" -> socket.send("hello".getBytes(StandardCharsets.UTF_8), new int[0]);
                case "half" -> {
                    socket.sendRaw(new byte[] {0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new int[0]);
                    Runtime.getRuntime().halt(0);
                }
                default -> throw new IllegalArgumentException("no part " + args[0]);
            }
        }
    }

    private static void handOverAPty(UnixSocket socket) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            int master = LibC.posixOpenpt(err, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
            MemorySegment name = arena.allocate(128);
            if (master < 0 || LibC.grantpt(err, master) < 0 || LibC.unlockpt(err, master) < 0 || LibC.ptsnameR(master, name) != 0) {
                throw new IllegalStateException("no PTY: " + LibC.strerror(-master));
            }
            String slave = name.getString(0);
            try (var in = new BufferedReader(new InputStreamReader(new FileInputStream(slave), StandardCharsets.UTF_8))) {
                socket.send(slave.getBytes(StandardCharsets.UTF_8), new int[] {master});
                LibC.close(master); // the parent holds the only master now
                String line = in.readLine();
                socket.send(("got: " + line).getBytes(StandardCharsets.UTF_8), new int[0]);
            }
        }
    }
}
