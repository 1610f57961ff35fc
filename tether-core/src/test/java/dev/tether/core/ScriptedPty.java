package dev.tether.core;

import dev.tether.api.TetherException;
import dev.tether.core.terminal.Attachment;
import dev.tether.core.terminal.PtyHost;
import dev.tether.core.terminal.Survivor;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.TerminalSpec;
import dev.tether.core.terminal.Viewer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PTY host whose programs do what the test says: it records the signals each terminal receives
 * and lets the test end a program with an exit code. (The real PTY layer is tested in tether-pty
 * and used by every integration test.)
 */
final class ScriptedPty implements PtyHost {
    final List<Program> started = new CopyOnWriteArrayList<>();
    /** When set, the next spawn fails with it, as posix_spawn does for a file the kernel cannot run. */
    volatile TetherException failNextSpawn;
    /** When 0 or more, each program exits with it at once, before spawn returns (its exit can beat the start's record). */
    volatile int exitAtOnce = -1;

    final class Program implements Terminal {
        final TerminalSpec spec;
        final TerminalListener listener;
        final List<Integer> signals = new CopyOnWriteArrayList<>();
        final List<Viewer> viewers = new CopyOnWriteArrayList<>();
        volatile boolean alive = true;
        /** Exit when this signal arrives (e.g. 1 for a shell that dies on SIGHUP), or -1 to ignore all. */
        volatile int diesOn = 1;

        Program(TerminalSpec spec, TerminalListener listener) {
            this.spec = spec;
            this.listener = listener;
        }

        void exit(int code) {
            if (alive) {
                alive = false;
                listener.exited(code);
            }
        }

        @Override public long pid() { return 1000 + started.indexOf(this); }

        @Override public boolean alive() { return alive; }

        /** The program's output so far and the ring's tail, as the test sets them (no byte is ever sent). */
        volatile long outputBytes;
        volatile long outputTail;
        /** The offset each attach asked for, in order. */
        final List<Long> attachedFrom = new CopyOnWriteArrayList<>();

        /** Attaches with the screen: recorded as an attach from -1 (a screen, then output from the head). */
        @Override
        public Attachment attachScreen(Viewer viewer, int scrollbackLines) {
            attachedFrom.add(-1L);
            viewers.add(viewer);
            return new Attachment() {
                @Override public void write(ByteBuffer input) { }

                @Override public void detach() { viewers.remove(viewer); }
            };
        }

        @Override
        public Attachment attach(Viewer viewer, long from) {
            if (from < 0 || from > outputBytes) {
                throw new IllegalArgumentException("offset " + from + " is outside [0, " + outputBytes + "]");
            }
            attachedFrom.add(from);
            viewers.add(viewer);
            return new Attachment() {
                @Override public void write(ByteBuffer input) { }

                @Override public void detach() { viewers.remove(viewer); }
            };
        }

        @Override public void write(ByteBuffer input) { }

        @Override public void resize(int cols, int rows) { }

        @Override
        public void signal(int signal) {
            signals.add(signal);
            if (signal == diesOn || signal == 9) {
                exit(128 + signal);
            }
        }

        volatile boolean held;

        @Override public void hold(boolean held) { this.held = held; }

        @Override public long outputBytes() { return outputBytes; }

        @Override public long outputTail() { return outputTail; }
    }

    @Override
    public Terminal spawn(TerminalSpec spec, TerminalListener listener) {
        TetherException failure = failNextSpawn;
        if (failure != null) {
            failNextSpawn = null;
            throw failure;
        }
        Program p = new Program(spec, listener);
        started.add(p);
        if (exitAtOnce >= 0) {
            p.exit(exitAtOnce);
        }
        return p;
    }

    /** Whether this host keeps its sessions for the next server, as the keeper does. */
    volatile boolean keeps;
    /** What the previous server left; the test sets it before the kernel starts. */
    final List<Survivor> survivors = new CopyOnWriteArrayList<>();
    final List<Long> released = new CopyOnWriteArrayList<>();
    final java.util.Map<Long, Program> adopted = new java.util.concurrent.ConcurrentHashMap<>();

    @Override public boolean keepsSessions() { return keeps; }

    @Override public List<Survivor> survivors() { return List.copyOf(survivors); }

    @Override
    public Terminal adopt(long sessionId, TerminalListener listener) {
        Survivor s = survivors.stream().filter(x -> x.sessionId() == sessionId && x.running()).findFirst()
                .orElseThrow(() -> new TetherException(dev.tether.api.ResultCode.NOT_FOUND, "no session " + sessionId + " is kept"));
        Program p = new Program(new TerminalSpec(sessionId, List.of("kept"), java.util.Map.of(), java.nio.file.Path.of("/"), 80, 24, 4096),
                listener);
        adopted.put(s.sessionId(), p);
        return p;
    }

    @Override public void release(long sessionId) { released.add(sessionId); }

    Program last() {
        return started.getLast();
    }

    List<Program> all() {
        return new ArrayList<>(started);
    }

    @Override public void close() { }
}
