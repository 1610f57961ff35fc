package dev.tether.cli;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * The terminal modes a session's program has changed, read from its output, so that leaving the
 * attachment puts the user's terminal back as it was (as tmux does on detach).
 *
 * <p>A terminal cannot be asked for most of its modes, so the start state is taken to be each mode's
 * power-on default, and only modes the program changed are put back: alternate screen (?47, ?1047,
 * ?1049), cursor keys (?1), origin (?6), wrap (?7), cursor visibility (?25), mouse reporting (?9,
 * ?1000-?1006, ?1015), focus events (?1004), bracketed paste (?2004), insert mode (4), the keypad (ESC =
 * / ESC >), character sets (ESC ( 0, SO), SGR attributes, the scroll region and modifyOtherKeys
 * (CSI > 4 ; n m). ESC c and CSI ! p reset what they reset.
 *
 * <p>The scanner keeps its state across chunks, so a sequence split between two WebSocket frames is
 * read whole. It is also what tells {@link AttachScreen} whether the output stopped between sequences
 * ({@link #betweenSequences()}), where its own drawing cannot cut one in two. Not thread-safe: the
 * screen calls it under its own lock.
 */
final class TerminalModes {
    private enum State { GROUND, ESCAPE, DESIGNATE, ESCAPE_INTERMEDIATE, CSI, STRING, STRING_ESCAPE }

    /** Private modes whose default is off. */
    private static final Set<Integer> OFF_BY_DEFAULT = Set.of(1, 6, 9, 47, 1000, 1001, 1002, 1003, 1004, 1005, 1006,
            1015, 1047, 1049, 2004);
    /** Private modes whose default is on. */
    private static final Set<Integer> ON_BY_DEFAULT = Set.of(7, 25);
    private static final int MAX_PARAMETERS = 64;

    /** Private modes now away from their default. */
    private final Set<Integer> changed = new TreeSet<>();
    private final StringBuilder parameters = new StringBuilder();
    private State state = State.GROUND;
    private char designating;
    private char intermediate;
    private boolean keypad;
    private boolean insert;
    private boolean attributes;
    private boolean scrollRegion;
    private boolean shiftedOut;
    private boolean graphicCharset;
    private boolean modifyOtherKeys;
    private int pendingUtf8;

    /** Reads a chunk of the program's output. */
    void scan(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            scan(bytes[i] & 0xff);
        }
    }

    void scan(byte[] bytes) {
        scan(bytes, 0, bytes.length);
    }

    /** True when the output read so far ends outside any escape sequence and UTF-8 character. */
    boolean betweenSequences() {
        return state == State.GROUND && pendingUtf8 == 0;
    }

    /** True while the program is on the alternate screen. */
    boolean alternateScreen() {
        return changed.contains(1049) || changed.contains(1047) || changed.contains(47);
    }

    /** The sequence that undoes every change read so far (empty when there is none). */
    String resets() {
        var out = new StringBuilder();
        if (attributes) {
            out.append("\u001b[0m");
        }
        if (shiftedOut || graphicCharset) {
            out.append("\u000f\u001b(B");
        }
        if (changed.contains(6)) {
            out.append("\u001b[?6l");
        }
        if (scrollRegion) {
            // CSI r homes the cursor; on the main screen the cursor's place is the user's, so keep it.
            out.append(alternateScreen() ? "\u001b[r" : "\u001b7\u001b[r\u001b8");
        }
        for (int mode : new int[] {1049, 1047, 47}) {
            if (changed.contains(mode)) {
                out.append("\u001b[?").append(mode).append('l');
            }
        }
        for (int mode : changed) {
            if (mode != 6 && mode != 47 && mode != 1047 && mode != 1049) {
                out.append("\u001b[?").append(mode).append(ON_BY_DEFAULT.contains(mode) ? 'h' : 'l');
            }
        }
        if (insert) {
            out.append("\u001b[4l");
        }
        if (keypad) {
            out.append("\u001b>");
        }
        if (modifyOtherKeys) {
            out.append("\u001b[>4m");
        }
        return out.toString();
    }

    byte[] resetBytes() {
        return resets().getBytes(StandardCharsets.US_ASCII);
    }

    private void scan(int b) {
        if (b == 0x18 || b == 0x1a) { // CAN, SUB: abort any sequence
            state = State.GROUND;
            return;
        }
        if (b == 0x1b && state != State.STRING) {
            state = State.ESCAPE;
            return;
        }
        switch (state) {
            case GROUND -> ground(b);
            case ESCAPE -> escape(b);
            case DESIGNATE -> {
                if (designating == '(') {
                    graphicCharset = b != 'B';
                }
                state = State.GROUND;
            }
            case ESCAPE_INTERMEDIATE -> {
                if (b >= 0x30) {
                    state = State.GROUND;
                }
            }
            case CSI -> csi(b);
            case STRING -> {
                if (b == 0x07) {
                    state = State.GROUND;
                } else if (b == 0x1b) {
                    state = State.STRING_ESCAPE;
                }
            }
            case STRING_ESCAPE -> state = b == '\\' ? State.GROUND : State.STRING;
        }
    }

    private void ground(int b) {
        if (pendingUtf8 > 0 && (b & 0xc0) == 0x80) {
            pendingUtf8--;
            return;
        }
        pendingUtf8 = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc0 && b < 0xe0 ? 1 : 0;
        if (b == 0x0e) {
            shiftedOut = true;
        } else if (b == 0x0f) {
            shiftedOut = false;
        }
    }

    private void escape(int b) {
        pendingUtf8 = 0;
        state = State.GROUND;
        switch (b) {
            case '[' -> {
                state = State.CSI;
                parameters.setLength(0);
                intermediate = 0;
            }
            case ']', 'P', '_', '^', 'X' -> state = State.STRING;
            case '(', ')', '*', '+' -> {
                designating = (char) b;
                state = State.DESIGNATE;
            }
            case '=' -> keypad = true;
            case '>' -> keypad = false;
            case 'c' -> reset(/* hard= */ true);
            default -> {
                if (b >= 0x20 && b < 0x30) {
                    state = State.ESCAPE_INTERMEDIATE;
                }
            }
        }
    }

    private void csi(int b) {
        if (b >= 0x30 && b < 0x40) {
            if (parameters.length() < MAX_PARAMETERS) {
                parameters.append((char) b);
            }
        } else if (b >= 0x20 && b < 0x30) {
            intermediate = (char) b;
        } else if (b >= 0x40 && b < 0x7f) {
            state = State.GROUND;
            command((char) b);
        } else if (b >= 0x80) {
            state = State.GROUND; // not a sequence after all
        }
    }

    private void command(char command) {
        String p = parameters.toString();
        char prefix = !p.isEmpty() && "<=>?".indexOf(p.charAt(0)) >= 0 ? p.charAt(0) : 0;
        String[] values = (prefix == 0 ? p : p.substring(1)).split("[;:]", -1);
        if (intermediate == '!' && command == 'p') {
            reset(/* hard= */ false);
        } else if (intermediate != 0) {
            return;
        } else if (prefix == '?' && (command == 'h' || command == 'l')) {
            for (String value : values) {
                privateMode(number(value), command == 'h');
            }
        } else if (prefix == 0 && (command == 'h' || command == 'l')) {
            for (String value : values) {
                if (number(value) == 4) {
                    insert = command == 'h';
                }
            }
        } else if (prefix == 0 && command == 'm') {
            attributes = false;
            for (String value : values) {
                attributes |= number(value) != 0;
            }
        } else if (prefix == '>' && command == 'm' && number(values[0]) == 4) {
            modifyOtherKeys = values.length > 1 && number(values[1]) > 0;
        } else if (prefix == 0 && command == 'r') {
            scrollRegion = !p.isEmpty() && !p.equals(";");
        }
    }

    private void privateMode(int mode, boolean set) {
        if (OFF_BY_DEFAULT.contains(mode)) {
            if (set) {
                changed.add(mode);
            } else {
                changed.remove(mode);
            }
        } else if (ON_BY_DEFAULT.contains(mode)) {
            if (set) {
                changed.remove(mode);
            } else {
                changed.add(mode);
            }
        }
    }

    /** ESC c resets everything; DECSTR (CSI ! p) everything but the screen buffer and mouse modes. */
    private void reset(boolean hard) {
        keypad = false;
        insert = false;
        attributes = false;
        scrollRegion = false;
        shiftedOut = false;
        graphicCharset = false;
        changed.removeAll(Set.of(1, 6, 7, 25));
        if (hard) {
            changed.clear();
            modifyOtherKeys = false;
        }
    }

    /** A parameter's value; empty or unreadable counts as 0, as terminals take it. */
    private static int number(String value) {
        if (value.isEmpty() || value.length() > 9) {
            return 0;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i))) {
                return 0;
            }
        }
        return Integer.parseInt(value);
    }
}
