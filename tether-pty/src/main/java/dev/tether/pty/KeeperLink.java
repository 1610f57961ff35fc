package dev.tether.pty;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.TerminalSpec;
import dev.tether.pty.KeeperProtocol.Entry;
import dev.tether.pty.KeeperProtocol.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of the keeper's socket: it says Hello and takes the sessions kept (with their
 * masters and pidfds), asks for spawns, hears exits, releases recorded ends and says Bye when the
 * server stops reading. One thread ({@code tether-keeper-link}) reads the keeper's messages.
 */
final class KeeperLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeeperLink.class);
    private static final long SPAWN_SECONDS = 10;

    /** A session the keeper handed over: its entry and, while it runs, its descriptors (else -1). */
    record Handed(Entry entry, int master, int pidfd, int ring) {

        /** Closes the descriptors of a session handed over and never taken. */
        void close() {
            if (master >= 0) {
                LibC.close(master);
                LibC.close(pidfd);
                LibC.close(ring);
            }
        }
    }

    private final UnixSocket socket;
    private final Map<Long, Handed> kept;
    private final AtomicLong tags = new AtomicLong();
    private final Map<Long, CompletableFuture<Handed>> spawning = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<dev.tether.core.account.LinuxPasswords.Verdict>> authenticating = new ConcurrentHashMap<>();
    /** Exit codes heard and not yet asked for, and the askers waiting; guarded by {@code this}. */
    private final Map<Long, Integer> exits = new HashMap<>();
    private final Map<Long, IntConsumer> waiting = new HashMap<>();
    /** Whether root log-ons may be asked for: this server's --allow-root-sessions. */
    private final boolean rootSessions;
    /** Whether the keeper was started with --allow-root-sessions (it said so in Kept). */
    private final boolean keeperRootSessions;
    private volatile boolean closed;
    /** Bye was said: the keeper closing the connection now is the hand-over, not a failure. */
    private volatile boolean leaving;
    private final Thread reader;

    private KeeperLink(UnixSocket socket, Map<Long, Handed> kept, boolean rootSessions, boolean keeperRootSessions) {
        this.socket = socket;
        this.rootSessions = rootSessions;
        this.keeperRootSessions = keeperRootSessions;
        this.kept = kept;
        this.reader = Thread.ofPlatform().name("tether-keeper-link").daemon().unstarted(this::read);
    }

    private static ResultCode resultCode(String name) {
        try {
            return ResultCode.valueOf(name);
        } catch (IllegalArgumentException newer) {
            return ResultCode.INVALID_PARAMETER;
        }
    }

    /** Whether the keeper runs as root, and so starts each session as its user's own log-on. */
    boolean logsOnUsers() {
        return socket.peer().uid() == 0;
    }

    /**
     * Whether a root or system account log-on can start: both the keeper and this server were
     * started with --allow-root-sessions.
     */
    boolean rootSessions() {
        return rootSessions && keeperRootSessions;
    }

    /** Whether the keeper was started with --allow-root-sessions. */
    boolean keeperRootSessions() {
        return keeperRootSessions;
    }

    /**
     * Connects to the keeper of the runtime folder {@code dir} and takes over what it keeps;
     * {@code rootSessions}: this server's --allow-root-sessions, asked with every spawn.
     */
    static KeeperLink connect(Path dir, boolean rootSessions) throws IOException {
        UnixSocket socket = UnixSocket.connect(dir.resolve(Keeper.SOCKET));
        try {
            socket.send(KeeperProtocol.encode(new KeeperProtocol.Hello(KeeperProtocol.VERSION)), new int[0]);
            var kept = new ConcurrentHashMap<Long, Handed>();
            boolean keeperRootSessions;
            while (true) {
                UnixSocket.Received r = socket.receive();
                if (r == null) {
                    throw new IOException("the keeper of " + dir + " closed the connection before handing its sessions over");
                }
                Message m = KeeperProtocol.decode(r.message());
                if (m instanceof KeeperProtocol.Failed f) {
                    throw new IOException("the keeper of " + dir + " refused this server: " + f.message());
                }
                if (!(m instanceof KeeperProtocol.Kept k)) {
                    throw new IOException("the keeper of " + dir + " answered Hello with " + m);
                }
                int at = 0;
                int[] fds = r.fds();
                for (Entry e : k.entries()) {
                    if (e.exitCode() == null) {
                        if (at + KeeperProtocol.FDS_PER_SESSION > fds.length) {
                            throw new IOException("the keeper sent " + fds.length + " descriptors for " + k.entries().size() + " sessions");
                        }
                        kept.put(e.sessionId(), new Handed(e, fds[at], fds[at + 1], fds[at + 2]));
                        at += KeeperProtocol.FDS_PER_SESSION;
                    } else {
                        kept.put(e.sessionId(), new Handed(e, -1, -1, -1));
                    }
                }
                if (k.last()) {
                    keeperRootSessions = k.rootSessions();
                    break;
                }
            }
            var link = new KeeperLink(socket, kept, rootSessions, keeperRootSessions);
            link.reader.start();
            return link;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** What the keeper handed over at connect, by session id. */
    Map<Long, Handed> kept() {
        return kept;
    }

    /** Asks the keeper to signal the session whose program is {@code pid} (see {@link KeeperProtocol.Signal}). */
    void signal(int pid, int signal) {
        try {
            socket.send(KeeperProtocol.encode(new KeeperProtocol.Signal(pid, signal)), new int[0]);
        } catch (IOException e) {
            log.warn("could not ask the keeper to send signal {} to pid {}: {}", signal, pid, e.toString());
        }
    }

    /** Asks the keeper's PAM about a Linux password; the password crosses the socket once and is wiped here. */
    CompletableFuture<dev.tether.core.account.LinuxPasswords.Verdict> authenticate(String account, char[] password, String remoteHost) {
        if (closed) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.UNAVAILABLE,
                    "cannot check the Linux password of " + account + ": the connection to the session keeper is closed"));
        }
        long tag = tags.incrementAndGet();
        var answer = new CompletableFuture<dev.tether.core.account.LinuxPasswords.Verdict>();
        authenticating.put(tag, answer);
        byte[] secret = dev.tether.core.account.PasswordBytes.utf8(password);
        byte[] message = KeeperProtocol.encode(new KeeperProtocol.Authenticate(tag, account, secret, remoteHost));
        java.util.Arrays.fill(secret, (byte) 0);
        try {
            socket.send(message, new int[0]);
        } catch (IOException e) {
            authenticating.remove(tag);
            answer.completeExceptionally(new TetherException(ResultCode.UNAVAILABLE,
                    "cannot check the Linux password of " + account + ": " + e.getMessage()));
        } finally {
            java.util.Arrays.fill(message, (byte) 0);
        }
        return answer.orTimeout(60, TimeUnit.SECONDS).whenComplete((v, e) -> authenticating.remove(tag));
    }

    /** Asks the keeper to start {@code spec}; blocks for its answer (about a millisecond). */
    Handed spawn(TerminalSpec spec) {
        if (closed) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot start " + spec.command().getFirst()
                    + ": the connection to the session keeper is closed");
        }
        long tag = tags.incrementAndGet();
        var answer = new CompletableFuture<Handed>();
        spawning.put(tag, answer);
        try {
            socket.send(KeeperProtocol.encode(new KeeperProtocol.Spawn(tag, spec, rootSessions)), new int[0]);
            return answer.get(SPAWN_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw TetherException.of(e.getCause());
        } catch (IOException | TimeoutException e) {
            throw new TetherException(ResultCode.INTERNAL, "cannot start " + spec.command().getFirst()
                    + ": the session keeper did not answer (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while starting " + spec.command().getFirst());
        } finally {
            spawning.remove(tag);
        }
    }

    /** Calls {@code then} with the session's exit code once the keeper has it (at once when it has). */
    void onExit(long sessionId, IntConsumer then) {
        Integer code;
        synchronized (this) {
            code = exits.remove(sessionId);
            if (code == null) {
                waiting.put(sessionId, then);
                return;
            }
        }
        then.accept(code);
    }

    /** The session's end is recorded (or nobody knows it): the keeper may forget it. */
    void release(long sessionId) {
        send(new KeeperProtocol.Release(sessionId));
    }

    /** The server stopped reading every master: the keeper drains them again. */
    void bye() {
        leaving = true;
        send(new KeeperProtocol.Bye());
    }

    private void send(Message m) {
        if (closed) {
            return;
        }
        try {
            socket.send(KeeperProtocol.encode(m), new int[0]);
        } catch (IOException e) {
            log.warn("could not tell the keeper {}: {}", m, e.toString());
        }
    }

    private void read() {
        try {
            while (!closed) {
                UnixSocket.Received r = socket.receive();
                if (r == null) {
                    break;
                }
                Message m = KeeperProtocol.decode(r.message());
                switch (m) {
                    case KeeperProtocol.Spawned s -> {
                        int[] fds = r.fds();
                        var answer = spawning.get(s.tag());
                        if (answer == null || fds.length != KeeperProtocol.FDS_PER_SESSION) {
                            for (int fd : fds) {
                                LibC.close(fd); // a spawn nobody waits for any more; the keeper keeps it
                            }
                            log.warn("the keeper started session {} for an answer nobody waits for", s.entry().sessionId());
                            continue;
                        }
                        answer.complete(new Handed(s.entry(), fds[0], fds[1], fds[2]));
                    }
                    case KeeperProtocol.Failed f -> {
                        var answer = spawning.get(f.tag());
                        if (answer != null) {
                            answer.completeExceptionally(new TetherException(ResultCode.INVALID_PARAMETER, f.message()));
                        }
                    }
                    case KeeperProtocol.Refused f -> {
                        var answer = spawning.get(f.tag());
                        if (answer != null) {
                            answer.completeExceptionally(new TetherException(resultCode(f.code()), f.message()));
                        }
                    }
                    case KeeperProtocol.Authenticated a -> {
                        var answer = authenticating.get(a.tag());
                        if (answer != null) {
                            answer.complete(new dev.tether.core.account.LinuxPasswords.Verdict(a.ok(), a.code(), a.message()));
                        }
                    }
                    case KeeperProtocol.Exited e -> exited(e.sessionId(), e.exitCode());
                    default -> log.warn("the keeper sent {}, which a server does not expect", m);
                }
            }
        } catch (IOException e) {
            if (!closed && !leaving) {
                log.error("the connection to the session keeper failed: {}", e.toString());
            }
        }
        if (!closed && !leaving) {
            log.error("the session keeper closed its connection: sessions go on in it, but no new one can start"
                    + " and exits are not heard until the server restarts");
        }
        closed = true;
        spawning.values().forEach(f -> f.completeExceptionally(new TetherException(ResultCode.INTERNAL,
                "the session keeper closed its connection")));
        authenticating.values().forEach(f -> f.completeExceptionally(new TetherException(ResultCode.UNAVAILABLE,
                "the session keeper closed its connection")));
    }

    private void exited(long sessionId, int code) {
        IntConsumer then;
        synchronized (this) {
            then = waiting.remove(sessionId);
            if (then == null) {
                exits.put(sessionId, code);
                return;
            }
        }
        then.accept(code);
    }

    /** Whether the thread reading the keeper's messages still runs (tests). */
    boolean readerAlive() {
        return reader.isAlive();
    }

    /** Closes the connection (after {@link #bye}, or at a crash the kernel does it). */
    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
