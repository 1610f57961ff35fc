import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 8 probe, "Slow requests are held forever": opens N connections from one address, each
 * sending half a request (a request line and one header, no end of headers), waits, and counts
 * how many the server still holds open.
 *
 * <pre>java probes/SlowRequests.java [tether.jar] [connections, default 300] [seconds, default 40]</pre>
 */
public final class SlowRequests {
    public static void main(String[] args) throws Exception {
        String jar = args.length > 0 ? args[0] : "tether-cli/target/tether.jar";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        Path dataDir = Files.createTempDirectory("tether-slow");
        Process server = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-jar", jar, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            var out = new BufferedReader(new InputStreamReader(server.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.contains("listening on ")) {
                // skip
            }
            if (line == null) {
                throw new IllegalStateException("the server did not start");
            }
            URI base = URI.create(line.replaceAll(".*listening on (\\S+).*", "$1"));
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                var s = new Socket(InetAddress.getByName(base.getHost()), base.getPort());
                s.getOutputStream().write(("POST /api/v1/login HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                sockets.add(s);
            }
            Thread.sleep(1_000);
            System.out.printf("%d half-sent requests from one address; open after 1 s: %d%n", count, open(sockets));
            Thread.sleep((seconds - 1) * 1_000L);
            System.out.printf("open after %d s: %d%n", seconds, open(sockets));
            for (Socket s : sockets) {
                s.close();
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    /** Sockets the server has not closed: a read that times out instead of reaching the end. */
    static int open(List<Socket> sockets) throws Exception {
        int open = 0;
        for (Socket s : sockets) {
            if (s.isClosed()) {
                continue;
            }
            s.setSoTimeout(5);
            try {
                if (s.getInputStream().read() != -1) {
                    open++; // an answer, still open
                } else {
                    s.close();
                }
            } catch (SocketTimeoutException e) {
                open++;
            } catch (java.io.IOException e) {
                s.close();
            }
        }
        return open;
    }
}
