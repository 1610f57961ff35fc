package dev.tether.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a server whose connections a test can cut, as a flaky network would.
 * Like nginx's default {@code proxy_set_header Host $proxy_host}, it names the server, not
 * itself, in the Host header it passes on: the server answers only requests naming it.
 */
final class DroppingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final URI target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    final AtomicInteger accepted = new AtomicInteger();
    /** While set, each new connection is closed at once, as a server that is down refuses it. */
    private volatile boolean refusing;

    DroppingProxy(URI target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** While set, each new connection is accepted and never answered, as a hung server does. */
    private volatile boolean silent;

    /** While {@code silent}, new connections are held open and nothing is read from them or sent. */
    void silent(boolean value) {
        silent = value;
    }

    /** While set, no byte is passed on either way; the connections stay open. */
    private volatile boolean frozen;

    /** While {@code freeze}, bytes are read and dropped, so both ends see an open connection that says nothing. */
    void freeze(boolean value) {
        frozen = value;
    }

    /** While {@code refuse}, new connections are closed as soon as they are accepted. */
    void refuse(boolean refuse) {
        refusing = refuse;
    }

    /** Cuts every open connection; new ones are accepted as before. */
    void dropAll() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        sockets.clear();
    }

    /**
     * Accepts until closed. One connection's failure (a client that reset first, a server that
     * refused) ends that connection only; an earlier version returned, and every later connection
     * then waited in the backlog unanswered (ReconnectTest's give-up timed out, one run in two).
     */
    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                if (silent) {
                    sockets.add(client);
                    continue;
                }
                if (refusing) {
                    client.setSoLinger(true, 0); // a reset, as a closed port gives
                    client.close();
                    continue;
                }
                Socket server = new Socket(target.getHost(), target.getPort());
                accepted.incrementAndGet();
                sockets.add(client);
                sockets.add(server);
                Thread.ofVirtual().start(() -> pump(client, server, true));
                Thread.ofVirtual().start(() -> pump(server, client, false));
            } catch (IOException e) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // gone already
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean toServer) {
        byte[] buffer = new byte[8192];
        byte[] ownHost = ("Host: " + url().getAuthority() + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] serverHost = ("Host: " + target.getAuthority() + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (frozen) {
                    continue; // read and dropped
                }
                // A request head arrives in one read here (the client writes it at once): rewrite it whole.
                int at = toServer ? indexOf(buffer, n, ownHost) : -1;
                if (at >= 0) {
                    out.write(buffer, 0, at);
                    out.write(serverHost);
                    out.write(buffer, at + ownHost.length, n - at - ownHost.length);
                } else {
                    out.write(buffer, 0, n);
                }
                out.flush();
            }
        } catch (IOException e) {
            // cut
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static int indexOf(byte[] data, int length, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= length; i++) {
            for (int j = 0; j < what.length; j++) {
                if ((data[i + j] | 0x20) != (what[j] | 0x20)) { // header names are case-insensitive
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        dropAll();
    }
}
