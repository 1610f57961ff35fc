package dev.tether.cli;

import dev.tether.client.AttachListener;
import dev.tether.client.ControlMessage;
import dev.tether.client.TerminalConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What {@code session attach} shows: the session's output, and around it the lock screen and message
 * banners.
 *
 * <p><b>Lock screen.</b> On {@code lock} the terminal switches to its alternate screen (which saves the
 * session's screen), clears it and shows the message; keys other than Ctrl-] are not sent, and its last
 * line counts the ignored reads so the person typing sees that they go nowhere. On
 * {@code unlock} the saved screen comes back and output held meanwhile follows (the server holds output
 * while locked, and sends a redraw signal to full-screen programs; output that arrives before the
 * {@code unlock} message is held here, up to {@link #MAX_HELD} bytes, so it lands on the restored screen).
 *
 * <p><b>Messages.</b> Each is a one-line banner on stderr: {@code [message] TITLE: TEXT (any key
 * acknowledges)}. On a terminal, the next key press, whichever it is (Ctrl-] still detaches),
 * acknowledges the oldest message shown and is not sent to the session, as a Windows message box takes
 * the keyboard until it is dismissed. When stdin is not a terminal nothing is acknowledged: piped input
 * is data, not a person's answer.
 *
 * <p>Calls from the WebSocket's thread (output, control) and the keyboard's thread are serialized on
 * this object.
 */
final class AttachScreen implements AttachListener {
    static final int MAX_HELD = 4 * 1024 * 1024;
    private static final String ALTERNATE_SCREEN = "\u001b[?1049h\u001b[2J\u001b[H";
    private static final String MAIN_SCREEN = "\u001b[2J\u001b[?1049l";
    private static final String REVERSE = "\u001b[7m";
    private static final String PLAIN = "\u001b[0m";

    private final RawTerminal terminal;
    private final PrintWriter err;
    private final long sessionId;
    private final Deque<Long> unacknowledged = new ArrayDeque<>();
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private boolean locked;
    private int ignoredInput;

    AttachScreen(RawTerminal terminal, PrintWriter err, long sessionId) {
        this.terminal = terminal;
        this.err = err;
        this.sessionId = sessionId;
    }

    @Override
    public synchronized void onOutput(ByteBuffer output) {
        byte[] bytes = new byte[output.remaining()];
        output.get(bytes);
        if (locked && held.size() + bytes.length <= MAX_HELD) {
            held.writeBytes(bytes);
            return;
        }
        write(bytes);
    }

    @Override
    public synchronized void onControl(ControlMessage message) {
        switch (message) {
            case ControlMessage.Lock lock -> showLock(lock.message());
            case ControlMessage.Unlock unlock -> hideLock();
            case ControlMessage.Message m -> banner(m);
            default -> {
            }
        }
    }

    /**
     * A key press from the keyboard (one read, without Ctrl-]): true when it was taken here — it
     * acknowledged a message, or the session is locked — and must not be sent to the session.
     */
    synchronized boolean takesKeyPress(TerminalConnection connection) {
        if (terminal.isTerminal() && !unacknowledged.isEmpty()) {
            connection.acknowledge(unacknowledged.removeFirst());
            return true;
        }
        if (locked && terminal.isTerminal()) {
            ignoredInput++;
            write(("\r  Input ignored while locked (" + ignoredInput + ").\u001b[K").getBytes(StandardCharsets.UTF_8));
        }
        return locked;
    }

    synchronized boolean isLocked() {
        return locked;
    }

    private void showLock(String message) {
        locked = true;
        ignoredInput = 0;
        if (!terminal.isTerminal()) {
            notice("[session " + sessionId + " locked: " + oneLine(message) + "]");
            return;
        }
        var screen = new StringBuilder(ALTERNATE_SCREEN)
                .append("\r\n  Session ").append(sessionId).append(" is locked.\r\n\r\n");
        for (String line : printable(message).split("\n", -1)) {
            screen.append("  ").append(line).append("\r\n");
        }
        screen.append("\r\n  Keys are not sent to the session until it is unlocked. Ctrl-] detaches.\r\n\r\n");
        write(screen.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void hideLock() {
        if (!locked) {
            return;
        }
        locked = false;
        if (terminal.isTerminal()) {
            write(MAIN_SCREEN.getBytes(StandardCharsets.UTF_8));
        } else {
            notice("[session " + sessionId + " unlocked]");
        }
        if (held.size() > 0) {
            write(held.toByteArray());
            held.reset();
        }
    }

    private void banner(ControlMessage.Message m) {
        String text = "[message] " + oneLine(m.title()) + ": " + oneLine(m.text());
        if (!terminal.isTerminal()) {
            notice(text);
            return;
        }
        unacknowledged.addLast(m.messageId());
        String line = text + " (any key acknowledges)";
        int width = terminal.cols();
        if (width > 10 && line.length() > width) {
            line = line.substring(0, width - 3) + "...";
        }
        err.print("\r\n" + REVERSE + line + PLAIN + "\r\n");
        err.flush();
    }

    private void notice(String line) {
        err.println(line);
        err.flush();
    }

    private void write(byte[] bytes) {
        try {
            terminal.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            // stdout is gone; the keyboard side or the server ends the attachment
        }
    }

    /** The text without control characters other than newlines: a message cannot drive the terminal. */
    static String printable(String text) {
        var sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\n' || !Character.isISOControl(c)) {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    static String oneLine(String text) {
        return printable(text).replace('\n', ' ').strip();
    }
}
