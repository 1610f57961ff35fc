package dev.tether.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.EnumSet;
import java.util.function.BiConsumer;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The local end of {@code session attach}: the user's terminal in raw mode (JLine), or plain stdin and
 * stdout when they are not a terminal.
 *
 * <p>Raw means what {@code cfmakeraw} means, and more than JLine's {@code enterRawMode()}: ISIG is off
 * too, so Ctrl-C and Ctrl-Z reach the session's program instead of stopping this one, and OPOST is off
 * so the program's own line endings are written as they are. The previous attributes are restored on
 * {@link #close()} and, should the JVM be stopped by a signal, by a shutdown hook.
 */
final class RawTerminal implements AutoCloseable {
    private final Terminal terminal;
    private final Attributes saved;
    private final InputStream input;
    private final OutputStream output;
    private final Thread restoreOnExit;
    private boolean restored;

    private RawTerminal(Terminal terminal, Attributes saved, InputStream input, OutputStream output) {
        this.terminal = terminal;
        this.saved = saved;
        this.input = input;
        this.output = output;
        this.restoreOnExit = terminal == null ? null : new Thread(this::restore, "tether-restore-terminal");
        if (restoreOnExit != null) {
            Runtime.getRuntime().addShutdownHook(restoreOnExit);
        }
    }

    /** The user's terminal, raw, when stdin and stdout are one; plain streams otherwise. */
    static RawTerminal open() throws IOException {
        if (System.console() == null) {
            return new RawTerminal(null, null, new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
        }
        Terminal terminal = TerminalBuilder.builder().system(true).nativeSignals(true).build();
        Attributes saved = terminal.getAttributes();
        terminal.setAttributes(raw(saved));
        // Keystrokes are read from fd 0 directly, not through terminal.input(): JLine's shutdown hook
        // closes its input stream under the lock a blocked reader holds, and System.exit would hang.
        return new RawTerminal(terminal, saved, new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
    }

    private static Attributes raw(Attributes saved) {
        Attributes raw = new Attributes(saved);
        raw.setLocalFlags(EnumSet.of(LocalFlag.ICANON, LocalFlag.ECHO, LocalFlag.ECHONL, LocalFlag.ISIG, LocalFlag.IEXTEN), false);
        raw.setInputFlags(EnumSet.of(InputFlag.IGNBRK, InputFlag.BRKINT, InputFlag.PARMRK, InputFlag.ISTRIP,
                InputFlag.INLCR, InputFlag.IGNCR, InputFlag.ICRNL, InputFlag.IXON), false);
        raw.setOutputFlag(OutputFlag.OPOST, false);
        raw.setControlChar(ControlChar.VMIN, 1);
        raw.setControlChar(ControlChar.VTIME, 0);
        return raw;
    }

    boolean isTerminal() {
        return terminal != null;
    }

    /** The window size, or 0 x 0 when there is no terminal (the session keeps its size). */
    int cols() {
        return terminal == null ? 0 : terminal.getSize().getColumns();
    }

    int rows() {
        return terminal == null ? 0 : terminal.getSize().getRows();
    }

    /** Calls {@code action(cols, rows)} on every SIGWINCH. */
    void onResize(BiConsumer<Integer, Integer> action) {
        if (terminal != null) {
            terminal.handle(Terminal.Signal.WINCH, signal -> {
                Size size = terminal.getSize();
                action.accept(size.getColumns(), size.getRows());
            });
        }
    }

    /** Reads what is available (at least one byte), or -1 at the end of input. */
    int read(byte[] buffer) throws IOException {
        return input.read(buffer);
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        output.write(bytes, offset, length);
        output.flush();
    }

    /** Restores the terminal's previous attributes. Idempotent. */
    @Override
    public void close() {
        restore();
        if (restoreOnExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(restoreOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, or has run, anyway
            }
        }
    }

    private synchronized void restore() {
        if (restored || terminal == null) {
            return;
        }
        restored = true;
        terminal.setAttributes(saved);
        terminal.flush();
    }
}
