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

    /** Reads until the server closes, or until an answer with a Content-Length is whole (a kept-alive connection). */
    private static byte[] readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            for (int n; (n = in.read(b)) > 0; ) {
                out.write(b, 0, n);
                if (whole(out.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // the server kept the connection open, or reset it after answering: what came is the answer
        }
        return out.toByteArray();
    }

    private static boolean whole(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$").matcher(text.substring(0, end));
        return m.find() && text.length() - end - 4 >= Long.parseLong(m.group(1));
    }
}
