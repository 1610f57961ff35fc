package dev.tether.cli;

import dev.tether.api.ControlMessage;
import dev.tether.client.AttachListener;
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
 * <p><b>Messages.</b> Each is a one-line banner: {@code [message] TITLE: TEXT (any key acknowledges)}.
 * On a terminal, the next key press, whichever it is (Ctrl-] still detaches), acknowledges the message
 * shown — the newest — and is not sent to the session, as a Windows message box takes the keyboard
 * until it is dismissed; the next older one still pending is shown then. When stdin is not a terminal
 * nothing is acknowledged: piped input is data, not a person's answer. A full-screen program (on the
 * alternate screen) keeps its screen: the banner covers its bottom line, drawn between the program's
 * escape sequences with the cursor saved and restored (DECSC/DECRC), and once the last message is
 * acknowledged the server is asked for the session's screen again (it keeps the screen model), which
 * puts back exactly what the banner covered; the program is asked nothing. A line-oriented program's
 * banner is a line of output of its own, as {@code wall}'s is.
 *
 * <p><b>Reconnecting.</b> When the connection to the server is lost and being re-established (see
 * {@link TerminalConnection}) one status line says so: {@code [reconnecting to session N … (why; try K
 * in T s)]}, drawn like a banner (over a full-screen program's bottom line, else as a line of its own
 * that each try rewrites in place, ending as {@code [reconnected to session N]}). Nothing else of the
 * terminal changes: raw mode stays, the screen is not cleared, the program's modes stay set, and the
 * output resumes where it stopped. Keys typed meanwhile are not sent (they would reach a program whose
 * screen the user cannot see); the status line counts them, so nobody types into the void unawares.
 *
 * <p><b>Leaving.</b> {@link #finish()} puts back the terminal modes the program changed (see
 * {@link TerminalModes}) and ends the line, so what is printed next starts on a fresh line of the screen
 * the user had before attaching. Output arriving after that is dropped.
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
    /** Messages shown and not acknowledged, newest last: the newest is the one on the screen. */
    private final Deque<ControlMessage.Message> unacknowledged = new ArrayDeque<>();
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private final TerminalModes modes = new TerminalModes();
    private boolean locked;
    private int ignoredInput;
    /** A banner waits for the program's output to reach the end of an escape sequence. */
    private boolean bannerOwed;
    /** A banner covers the program's bottom line: a redraw is owed once no message is left. */
    private boolean overlaid;
    private boolean finished;
    /** The reconnect status is on the screen. */
    private boolean reconnecting;
    private String reconnectStatus;
    private int keysNotSent;

    AttachScreen(RawTerminal terminal, PrintWriter err, long sessionId) {
        this.terminal = terminal;
        this.err = err;
        this.sessionId = sessionId;
    }

    @Override
    public synchronized void onOutput(ByteBuffer output) {
        byte[] bytes = new byte[output.remaining()];
        output.get(bytes);
        if (finished) {
            return;
        }
        if (locked && held.size() + bytes.length <= MAX_HELD) {
            held.writeBytes(bytes);
            return;
        }
        program(bytes);
    }

    /** The program's output: written as it is, and read for the modes it sets. */
    private void program(byte[] bytes) {
        modes.scan(bytes);
        write(bytes);
        if (bannerOwed && modes.betweenSequences() && !unacknowledged.isEmpty()) {
            drawBanner(unacknowledged.getLast());
        }
    }

    @Override
    public synchronized void onControl(ControlMessage message) {
        if (finished) {
            return;
        }
        switch (message) {
            case ControlMessage.Lock lock -> showLock(lock.message());
            case ControlMessage.Unlock unlock -> hideLock();
            case ControlMessage.Message m -> banner(m);
            default -> {
            }
        }
    }

    @Override
    public synchronized void onReconnecting(int attempt, java.time.Duration delay, String why) {
        if (finished) {
            return;
        }
        boolean first = !reconnecting;
        reconnecting = true;
        if (first) {
            keysNotSent = 0;
        }
        reconnectStatus = "[reconnecting to session " + sessionId + " \u2026 (" + oneLine(why) + "; try " + attempt + " in "
                + String.format(java.util.Locale.ROOT, "%.1f", delay.toMillis() / 1000.0) + " s)";
        showReconnectStatus(first);
    }

    @Override
    public synchronized void onReconnected(ControlMessage.Attached attached) {
        if (finished || !reconnecting) {
            return;
        }
        reconnecting = false;
        hideLock(); // the server says "lock" again right after, if the session is still locked
        if (!terminal.isTerminal()) {
            notice("[reconnected to session " + sessionId + "]");
        } else if (!modes.alternateScreen()) {
            write(("\r" + REVERSE + "[reconnected to session " + sessionId + "]" + PLAIN + "\u001b[K\r\n").getBytes(StandardCharsets.UTF_8));
        }
        // On the alternate screen the program repaints: the server signals it after every attach.
    }

    /** Keys read while reconnecting, not sent: counted on the status line. */
    synchronized void keysNotSent(int bytes) {
        if (reconnecting && !finished) {
            keysNotSent += bytes;
            showReconnectStatus(false);
        }
    }

    private void showReconnectStatus(boolean first) {
        String line = reconnectStatus + (keysNotSent > 0 ? "; " + keysNotSent + " typed bytes not sent" : "") + "]";
        if (!terminal.isTerminal()) {
            if (first) {
                notice(line);
            }
            return;
        }
        line = fit(line, "\u2026]");
        if (!overBottomLine(line)) {
            // A line of its own, rewritten in place by each try: no output arrives meanwhile.
            write(((first ? "\r\n" : "\r") + REVERSE + line + PLAIN + "\u001b[K").getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A key press from the keyboard (one read, without Ctrl-]): true when it was taken here — it
     * acknowledged a message, or the session is locked — and must not be sent to the session.
     */
    synchronized boolean takesKeyPress(TerminalConnection connection) {
        if (terminal.isTerminal() && !unacknowledged.isEmpty()) {
            connection.acknowledge(unacknowledged.removeLast().messageId());
            if (!unacknowledged.isEmpty()) {
                showNewest();
            } else if (overlaid) {
                overlaid = false;
                bannerOwed = false;
                redraw(connection);
            }
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

    /**
     * Leaves the lock screen if it is up, puts back the terminal modes the program changed, and ends
     * the line. Idempotent; later output and control messages are dropped.
     */
    synchronized void finish() {
        if (finished) {
            return;
        }
        unacknowledged.clear(); // the sender hears TIMEOUT; nothing is drawn over the way out
        bannerOwed = false;
        hideLock();
        finished = true;
        if (terminal.isTerminal()) {
            write((modes.resets() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    boolean isTerminal() {
        return terminal.isTerminal();
    }

    /** Has the server send the session's screen again (it keeps the screen model): exactly what the banner covered comes back. */
    private void redraw(TerminalConnection connection) {
        connection.redraw();
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
            if (modes.alternateScreen()) {
                // The lock screen used the program's alternate screen; give it back (the server's
                // redraw signal after unlock repaints it).
                write("\u001b[?1049h".getBytes(StandardCharsets.US_ASCII));
            }
        } else {
            notice("[session " + sessionId + " unlocked]");
        }
        if (held.size() > 0) {
            byte[] bytes = held.toByteArray();
            held.reset();
            program(bytes);
        }
        if (bannerOwed && modes.betweenSequences() && !unacknowledged.isEmpty()) {
            drawBanner(unacknowledged.getLast());
        }
    }

    private void banner(ControlMessage.Message m) {
        if (!terminal.isTerminal()) {
            notice(bannerText(m));
            return;
        }
        unacknowledged.addLast(m);
        showNewest();
    }

    /** Draws the newest pending message's banner now, or after the lock screen, or once the program's sequence is whole. */
    private void showNewest() {
        if (locked || !modes.betweenSequences()) {
            bannerOwed = true;
        } else {
            drawBanner(unacknowledged.getLast());
        }
    }

    private static String bannerText(ControlMessage.Message m) {
        return "[message] " + oneLine(m.title()) + ": " + oneLine(m.text());
    }

    /**
     * On the alternate screen, over the bottom line with the cursor saved and restored, so the program's
     * screen does not move; on the main screen, as a line of output of its own.
     */
    private void drawBanner(ControlMessage.Message m) {
        bannerOwed = false;
        String line = fit(bannerText(m) + " (any key acknowledges)", "...");
        if (overBottomLine(line)) {
            overlaid = true;
        } else {
            write(("\r\n" + REVERSE + line + PLAIN + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** {@code line} cut to the window's width, ending with {@code ellipsis} when cut. */
    private String fit(String line, String ellipsis) {
        int width = terminal.cols();
        return width > 10 && line.length() > width ? line.substring(0, width - ellipsis.length()) + ellipsis : line;
    }

    /**
     * On the alternate screen: draws {@code line} over the bottom line with the cursor saved and
     * restored (DECSC/DECRC), so the program's screen does not move, and returns true. Elsewhere
     * draws nothing and returns false.
     */
    private boolean overBottomLine(String line) {
        if (!modes.alternateScreen() || terminal.rows() <= 1) {
            return false;
        }
        write(("\u001b7\u001b[" + terminal.rows() + ";1H" + PLAIN + REVERSE + line + PLAIN + "\u001b[K\u001b8")
                .getBytes(StandardCharsets.UTF_8));
        return true;
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
