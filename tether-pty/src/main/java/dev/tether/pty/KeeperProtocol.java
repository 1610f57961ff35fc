package dev.tether.pty;

import dev.tether.core.terminal.TerminalSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keeper's own small protocol: one message per {@link UnixSocket} frame, an opcode byte and
 * then fixed fields (big-endian numbers, strings as a length and UTF-8 bytes), file descriptors
 * beside the bytes as SCM_RIGHTS. No JSON, no reflection: the keeper must almost never fail.
 *
 * <pre>
 * server → keeper                                  keeper → server
 * Hello(version)                                   Kept(last, entries, rootSessions)   fds: master, pidfd, ring of each running entry
 * Spawn(tag, spec, rootSessions)                   Spawned(tag, entry)   fds: master, pidfd, ring
 *                                                  Failed(tag, message)
 *                                                  Refused(tag, code, message)   a spawn refused for a reason with a result code
 * Release(sessionId)                               Exited(sessionId, exitCode)   at any time
 * Bye()          the server stopped reading: the keeper drains again
 * Stop()         close every session and exit      Stopped(closed)
 * Status()                                         Info(pid, build, sessions, attached)
 * Upgrade(argv)  re-exec with argv + the folder    Failed(0, message) if it cannot; else the
 *                                                  connection ends at the execve
 * </pre>
 *
 * <p>Stop, Status and Upgrade are first messages of a connection of their own ({@code tether
 * keeper stop|status|upgrade}), not a server's. <b>Hello, Status, Upgrade and their answers
 * (Kept's framing aside) must keep their opcodes and layouts across versions</b>: an upgrade is
 * asked of an older keeper by a newer CLI, which then asks the new keeper for its Status. New
 * messages take new opcodes at the end of {@link #OPCODES}; a changed layout is a new
 * {@link #VERSION} of Hello.
 */
final class KeeperProtocol {
    /**
     * 2: a spec carries its log-on; Refused. 3: Kept says whether the keeper was started with
     * --allow-root-sessions, and each Spawn whether the server was (a root log-on needs both).
     */
    static final int VERSION = 3;
    /** Descriptors a running session comes with: its master, its pidfd and its ring (a memfd). */
    static final int FDS_PER_SESSION = 3;
    /** Entries per Kept message: three fds each, within SCM_MAX_FD (253). */
    static final int ENTRIES_PER_MESSAGE = 253 / FDS_PER_SESSION;

    private KeeperProtocol() {
    }

    /** A session the keeper holds and, once it ended, its exit code (else null). */
    record Entry(long sessionId, int pid, Integer exitCode) {
    }

    sealed interface Message {
    }

    record Hello(int version) implements Message {
    }

    /** @param rootSessions whether this keeper was started with --allow-root-sessions */
    record Kept(boolean last, List<Entry> entries, boolean rootSessions) implements Message {
    }

    /** @param rootSessions whether the asking server runs with --allow-root-sessions */
    record Spawn(long tag, TerminalSpec spec, boolean rootSessions) implements Message {
    }

    record Spawned(long tag, Entry entry) implements Message {
    }

    record Failed(long tag, String message) implements Message {
    }

    record Exited(long sessionId, int exitCode) implements Message {
    }

    record Release(long sessionId) implements Message {
    }

    record Bye() implements Message {
    }

    record Stop() implements Message {
    }

    record Stopped(int closed) implements Message {
    }

    /** Re-exec the keeper with {@code argv} (a java command line that starts a keeper) and its own folder appended. */
    record Upgrade(List<String> argv) implements Message {
        Upgrade {
            argv = List.copyOf(argv);
        }
    }

    record Status() implements Message {
    }

    /** The keeper's pid, its build, how many sessions it holds and whether a server is attached. */
    record Info(long pid, String build, int sessions, boolean attached) implements Message {
    }

    /** A spawn refused with a result code (a log-on the keeper will not make, say), as the server passes it on. */
    record Refused(long tag, String code, String message) implements Message {
    }

    /**
     * Asks PAM (service tether) whether {@code password} is the Linux password of {@code account},
     * and whether the account may log on now (pam_authenticate, then pam_acct_mgmt).
     */
    record Authenticate(long tag, String account, byte[] password, String remoteHost) implements Message {
        @Override
        public String toString() {
            return "Authenticate[tag=" + tag + ", account=" + account + ", password=(hidden), remoteHost=" + remoteHost + "]";
        }
    }

    /** PAM's answer to an Authenticate: {@code code} its return code's name, {@code message} its sentence. */
    record Authenticated(long tag, boolean ok, String code, String message) implements Message {
    }

    /**
     * Asks the keeper to send {@code signal} to the session whose program is {@code pid} (its
     * process group and every other process of its POSIX session), for a server that may not signal
     * the programs of other accounts itself. The keeper signals only sessions it keeps.
     */
    record Signal(int pid, int signal) implements Message {
    }

    /** Opcodes are positions in this list: append only (see the class comment). */
    private static final List<Class<? extends Message>> OPCODES = List.of(Hello.class, Kept.class, Spawn.class,
            Spawned.class, Failed.class, Exited.class, Release.class, Bye.class, Stop.class, Stopped.class,
            Upgrade.class, Status.class, Info.class, Refused.class, Authenticate.class, Authenticated.class, Signal.class);

    static byte[] encode(Message m) {
        var bytes = new ByteArrayOutputStream(64);
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(OPCODES.indexOf(m.getClass()));
            switch (m) {
                case Hello h -> out.writeInt(h.version());
                case Kept k -> {
                    out.writeBoolean(k.last());
                    out.writeInt(k.entries().size());
                    for (Entry e : k.entries()) {
                        entry(out, e);
                    }
                    out.writeBoolean(k.rootSessions());
                }
                case Spawn s -> {
                    out.writeLong(s.tag());
                    spec(out, s.spec());
                    out.writeBoolean(s.rootSessions());
                }
                case Spawned s -> {
                    out.writeLong(s.tag());
                    entry(out, s.entry());
                }
                case Failed f -> {
                    out.writeLong(f.tag());
                    string(out, f.message());
                }
                case Exited e -> {
                    out.writeLong(e.sessionId());
                    out.writeInt(e.exitCode());
                }
                case Release r -> out.writeLong(r.sessionId());
                case Bye b -> { }
                case Stop s -> { }
                case Stopped s -> out.writeInt(s.closed());
                case Upgrade u -> {
                    out.writeInt(u.argv().size());
                    for (String arg : u.argv()) {
                        string(out, arg);
                    }
                }
                case Status s -> { }
                case Info i -> {
                    out.writeLong(i.pid());
                    string(out, i.build());
                    out.writeInt(i.sessions());
                    out.writeBoolean(i.attached());
                }
                case Refused r -> {
                    out.writeLong(r.tag());
                    string(out, r.code());
                    string(out, r.message());
                }
                case Authenticate a -> {
                    out.writeLong(a.tag());
                    string(out, a.account());
                    out.writeInt(a.password().length);
                    out.write(a.password());
                    string(out, a.remoteHost() == null ? "" : a.remoteHost());
                }
                case Signal g -> {
                    out.writeInt(g.pid());
                    out.writeInt(g.signal());
                }
                case Authenticated a -> {
                    out.writeLong(a.tag());
                    out.writeBoolean(a.ok());
                    string(out, a.code());
                    string(out, a.message());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** Decodes one message; a malformed one is an IOException naming what is wrong. */
    static Message decode(byte[] message) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(message))) {
            int opcode = in.readUnsignedByte();
            if (opcode >= OPCODES.size()) {
                throw new IOException("unknown keeper message " + opcode);
            }
            Class<? extends Message> type = OPCODES.get(opcode);
            Message m;
            if (type == Hello.class) {
                m = new Hello(in.readInt());
            } else if (type == Kept.class) {
                boolean last = in.readBoolean();
                int n = count(in, ENTRIES_PER_MESSAGE);
                var entries = new ArrayList<Entry>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(entry(in));
                }
                m = new Kept(last, entries, in.readBoolean());
            } else if (type == Spawn.class) {
                m = new Spawn(in.readLong(), spec(in), in.readBoolean());
            } else if (type == Spawned.class) {
                m = new Spawned(in.readLong(), entry(in));
            } else if (type == Failed.class) {
                m = new Failed(in.readLong(), string(in));
            } else if (type == Exited.class) {
                m = new Exited(in.readLong(), in.readInt());
            } else if (type == Release.class) {
                m = new Release(in.readLong());
            } else if (type == Bye.class) {
                m = new Bye();
            } else if (type == Stop.class) {
                m = new Stop();
            } else if (type == Stopped.class) {
                m = new Stopped(in.readInt());
            } else if (type == Upgrade.class) {
                int argc = count(in, 4096);
                var argv = new ArrayList<String>(argc);
                for (int i = 0; i < argc; i++) {
                    argv.add(string(in));
                }
                m = new Upgrade(argv);
            } else if (type == Status.class) {
                m = new Status();
            } else if (type == Refused.class) {
                m = new Refused(in.readLong(), string(in), string(in));
            } else if (type == Authenticate.class) {
                long tag = in.readLong();
                String account = string(in);
                int n = count(in, 4096);
                byte[] password = in.readNBytes(n);
                if (password.length != n) {
                    throw new IOException("a keeper Authenticate message ends early");
                }
                String host = string(in);
                m = new Authenticate(tag, account, password, host.isEmpty() ? null : host);
            } else if (type == Signal.class) {
                m = new Signal(in.readInt(), in.readInt());
            } else if (type == Authenticated.class) {
                m = new Authenticated(in.readLong(), in.readBoolean(), string(in), string(in));
            } else {
                m = new Info(in.readLong(), string(in), in.readInt(), in.readBoolean());
            }
            if (in.available() > 0) {
                throw new IOException("a keeper " + type.getSimpleName() + " message has " + in.available() + " bytes too many");
            }
            return m;
        } catch (java.io.EOFException e) {
            throw new IOException("a keeper message ends early", e);
        } catch (RuntimeException e) { // a spec the record refuses
            throw new IOException("a keeper message is malformed: " + e.getMessage(), e);
        }
    }

    private static void entry(DataOutputStream out, Entry e) throws IOException {
        out.writeLong(e.sessionId());
        out.writeInt(e.pid());
        out.writeInt(e.exitCode() == null ? Integer.MIN_VALUE : e.exitCode());
    }

    private static Entry entry(DataInputStream in) throws IOException {
        long id = in.readLong();
        int pid = in.readInt();
        int exit = in.readInt();
        return new Entry(id, pid, exit == Integer.MIN_VALUE ? null : exit);
    }

    private static void spec(DataOutputStream out, TerminalSpec s) throws IOException {
        out.writeLong(s.sessionId());
        out.writeInt(s.command().size());
        for (String arg : s.command()) {
            string(out, arg);
        }
        out.writeInt(s.environment().size());
        for (var e : s.environment().entrySet()) {
            string(out, e.getKey());
            string(out, e.getValue());
        }
        string(out, s.workingDirectory().toString());
        out.writeInt(s.cols());
        out.writeInt(s.rows());
        out.writeInt(s.ringBytes());
        out.writeBoolean(s.logOn() != null);
        if (s.logOn() != null) {
            string(out, s.logOn().account());
            string(out, s.logOn().host() == null ? "" : s.logOn().host());
        }
    }

    private static TerminalSpec spec(DataInputStream in) throws IOException {
        long id = in.readLong();
        int argc = count(in, 4096);
        var argv = new ArrayList<String>(argc);
        for (int i = 0; i < argc; i++) {
            argv.add(string(in));
        }
        int envc = count(in, 4096);
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < envc; i++) {
            env.put(string(in), string(in));
        }
        Path cwd = Path.of(string(in));
        int cols = in.readInt();
        int rows = in.readInt();
        int ringBytes = in.readInt();
        TerminalSpec.LogOn logOn = null;
        if (in.readBoolean()) {
            String account = string(in);
            String host = string(in);
            logOn = new TerminalSpec.LogOn(account, host.isEmpty() ? null : host);
        }
        return new TerminalSpec(id, argv, env, cwd, cols, rows, ringBytes, logOn);
    }

    private static int count(DataInputStream in, int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("a keeper message counts " + n + " items (at most " + max + ")");
        }
        return n;
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("a keeper message has a string of " + n + " bytes where " + in.available() + " are left");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
