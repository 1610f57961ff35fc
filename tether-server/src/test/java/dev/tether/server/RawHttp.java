package dev.tether.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** One HTTP/1.1 exchange written byte for byte over a socket, for requests no well-behaved client would send. */
final class RawHttp {
    private RawHttp() {
    }

    /** The status and body the server answered, or status 0 when it closed without an answer. */
    record Reply(int status, String head, String body) {
    }

    /** Sends {@code request} exactly as given (with {@code Connection: close} expected inside) and reads the answer. */
    static Reply send(URI server, String request) {
        try (var socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            byte[] all = readAll(socket.getInputStream());
            String text = new String(all, StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.") || end < 0) {
                return new Reply(0, text, "");
            }
            return new Reply(Integer.parseInt(text.substring(9, 12)), text.substring(0, end), text.substring(end + 4));
        } catch (IOException e) {
            throw new IllegalStateException(request.lines().findFirst().orElse("") + ": " + e, e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            for (int n; (n = in.read(b)) > 0; ) {
                out.write(b, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // the server kept the connection open, or reset it after answering: what came is the answer
        }
        return out.toByteArray();
    }
}
