package dev.tether.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 written byte for byte over one kept-alive socket, for fuzzing: a request may carry any
 * target, header and body bytes, and thousands of them cost one connection, not one each. A new
 * socket is opened when the server has closed the last one.
 */
final class HttpWire implements AutoCloseable {
    private final URI server;
    private Socket socket;
    private InputStream in;

    HttpWire(URI server) {
        this.server = server;
    }

    /** The status, head and body of one answer; status 0 when the server closed without one. */
    record Reply(int status, String head, String body) {
        boolean json() {
            return head.toLowerCase(Locale.ROOT).contains("content-type: application/json");
        }
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}, and reads the answer. */
    Reply exchange(String head, byte[] body) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (socket == null) {
                socket = new Socket(server.getHost(), server.getPort());
                socket.setSoTimeout(15_000);
                socket.setTcpNoDelay(true);
                in = new BufferedInputStream(socket.getInputStream());
            }
            try {
                // One write: a head and a body in two small writes wait for a delayed ACK (Nagle), 40 ms each.
                var request = new ByteArrayOutputStream();
                request.writeBytes((head + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                request.writeBytes(body);
                socket.getOutputStream().write(request.toByteArray());
                socket.getOutputStream().flush();
                Reply reply = read();
                if (reply.status() != 0 || attempt == 1) {
                    if (reply.status() == 0 || reply.head().toLowerCase(Locale.ROOT).contains("connection: close")) {
                        close();
                    }
                    return reply;
                }
            } catch (IOException e) {
                if (attempt == 1) {
                    throw e;
                }
            }
            close(); // the server closed the kept-alive socket (between requests): once more on a new one
        }
    }

    private Reply read() throws IOException {
        var head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return new Reply(0, head.toString(StandardCharsets.ISO_8859_1), "");
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (!text.startsWith("HTTP/1.1 ")) {
            return new Reply(0, text, "");
        }
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        if (text.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
            close(); // a stream: what matters here is its head, and the socket cannot be reused
            return new Reply(Integer.parseInt(text.substring(9, 12)), text, "");
        }
        byte[] body = in.readNBytes(length);
        return new Reply(Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket the server has closed already
            }
            socket = null;
        }
    }
}
