package dev.tether.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The attach WebSocket spoken frame by frame over a plain socket (RFC 6455), so tests can send what
 * no WebSocket library would: oversized or RSV frames, invalid UTF-8, endless fragments.
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CONTINUATION = 0;
    static final int CLOSE = 8;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** A frame the server sent: its opcode and payload. */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame (1005 when it carries none). */
        int closeCode() {
            return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : 1005;
        }
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Opens the attach endpoint of {@code sessionId} and reads the upgrade answer. */
    static RawWebSocket attach(URI server, String token, long sessionId) throws IOException {
        var socket = new Socket(server.getHost(), server.getPort());
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        var ws = new RawWebSocket(socket);
        // The raw stream: these tests are about frames, not about the screen a first attach is shown.
        ws.out.write(("GET /api/v1/sessions/" + sessionId + "/attach?replay=raw HTTP/1.1\r\nHost: " + server.getAuthority()
                + "\r\nAuthorization: Bearer " + token + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) ws.in.readUnsignedByte());
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("not upgraded: " + head);
        }
        return ws;
    }

    /** Writes one masked frame; {@code rsv} is the three RSV bits (0 for a well-formed frame). */
    void frame(boolean fin, int rsv, int opcode, byte[] payload) throws IOException {
        var header = new java.io.ByteArrayOutputStream();
        header.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode);
        int n = payload.length;
        if (n < 126) {
            header.write(0x80 | n);
        } else if (n < 65536) {
            header.write(0x80 | 126);
            header.write(n >>> 8);
            header.write(n & 0xff);
        } else {
            header.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                header.write((int) ((long) n >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        header.writeBytes(mask);
        byte[] masked = new byte[n];
        for (int i = 0; i < n; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        header.writeBytes(masked); // one write: two small ones would wait for a delayed ACK
        out.write(header.toByteArray());
        out.flush();
    }

    /** Writes bytes as they are: frames of any kind (unmasked ones too), or garbage. */
    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void text(String json) throws IOException {
        frame(true, 0, TEXT, json.getBytes(StandardCharsets.UTF_8));
    }

    void binary(byte[] bytes) throws IOException {
        frame(true, 0, BINARY, bytes);
    }

    /** Frames read by {@link #hasControl} and not yet returned by {@link #read}. */
    private final ArrayDeque<Frame> unread = new ArrayDeque<>();

    /**
     * Whether a control message of {@code type} has come, without waiting for one: the frames already
     * arriving are read (each whole) and kept for the next reads.
     */
    boolean hasControl(String type) throws IOException {
        while (in.available() > 0) {
            Frame f = readFrame();
            if (f == null) {
                break;
            }
            unread.add(f);
        }
        for (Frame f : unread) {
            if (f.opcode() == TEXT && type.equals(Json.MAPPER.readTree(f.text()).path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    /** The next frame from the server, or null when the socket ended without one (10 s at most). */
    Frame read() throws IOException {
        Frame kept = unread.poll();
        return kept != null ? kept : readFrame();
    }

    private Frame readFrame() throws IOException {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long n = b1 & 0x7f;
            if (n == 126) {
                n = in.readUnsignedShort();
            } else if (n == 127) {
                n = in.readLong();
            }
            byte[] payload = new byte[(int) n];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (EOFException | SocketTimeoutException | java.net.SocketException e) {
            return null;
        }
    }

    /** The next text frame, as JSON, skipping terminal output; null when a close frame or the end comes first. */
    JsonNode control() throws IOException {
        for (Frame f; (f = read()) != null; ) {
            if (f.opcode() == TEXT) {
                return Json.MAPPER.readTree(f.text());
            }
            if (f.opcode() == CLOSE) {
                ended = "a close frame " + f.closeCode() + " " + (f.payload().length > 2 ? new String(f.payload(), 2,
                        f.payload().length - 2, StandardCharsets.UTF_8) : "");
                return null;
            }
        }
        ended = "the end of the socket";
        return null;
    }

    /** What ended the last {@link #control()} that found nothing. */
    private String ended = "";

    /** The next control message of {@code type}, skipping others and terminal output. */
    JsonNode control(String type) throws IOException {
        for (JsonNode m; (m = control()) != null; ) {
            if (type.equals(m.path("type").asText())) {
                return m;
            }
        }
        throw new AssertionError("no '" + type + "' control message before " + ended);
    }

    /** The close frame the server sends next (skipping everything before it), or null when the socket just ended. */
    Frame closeFrame() throws IOException {
        for (Frame f; (f = read()) != null; ) {
            if (f.opcode() == CLOSE) {
                return f;
            }
        }
        return null;
    }

    /** True when the server has closed its side: a read ends with EOF within 5 s. */
    boolean endedByServer() throws IOException {
        socket.setSoTimeout(5_000);
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
