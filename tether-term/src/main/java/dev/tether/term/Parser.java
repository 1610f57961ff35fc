package dev.tether.term;

/**
 * The DEC/ECMA-48 parser as a table-driven state machine (Paul Williams' model of the VT500
 * parser, vt100.net/emu/dec_ansi_parser), for a UTF-8 terminal: the table covers 0x00–0x7F;
 * bytes from 0x80 up are UTF-8 in the ground state and string content in OSC and DCS (C1 controls
 * as single bytes are not recognised, as in xterm's UTF-8 mode). Two departures from the model,
 * both xterm's: ':' is a parameter separator (sub-parameters, as in {@code 38:2::r:g:b}), and BEL
 * ends an OSC string as ST does.
 *
 * <p>It holds no screen: it calls a {@link Handler} for each action. Memory is bounded: at most
 * {@value #MAX_PARAMS} parameters, two intermediates, and {@value #MAX_OSC} bytes of OSC string.
 */
final class Parser {
    interface Handler {
        /** A run of printable ASCII (0x20–0x7E) in {@code bytes[from, to)}, in the ground state. */
        void printAscii(byte[] bytes, int from, int to);

        /** One character (a code point, from UTF-8; U+FFFD for a malformed sequence). */
        void print(int codePoint);

        /** A C0 control. */
        void execute(int control);

        /** {@code ESC intermediates final}. */
        void escDispatch(int intermediates, int finalByte);

        /**
         * {@code CSI prefix params intermediates final}: {@code prefix} is the private marker
         * ({@code ?}, {@code >}, {@code <}, {@code =}) or 0; params[i] is -1 when empty;
         * sub[i] says that params[i] followed a ':'.
         */
        void csiDispatch(int prefix, int[] params, boolean[] sub, int count, int intermediates, int finalByte);

        /** An OSC string, without its terminator (Latin-1 decoded bytes: UTF-8 is for the handler to decode). */
        void oscDispatch(byte[] data, int length);
    }

    static final int MAX_PARAMS = 32;
    static final int MAX_OSC = 4096;

    private static final int GROUND = 0, ESCAPE = 1, ESCAPE_INTERMEDIATE = 2, CSI_ENTRY = 3, CSI_PARAM = 4,
            CSI_INTERMEDIATE = 5, CSI_IGNORE = 6, DCS_ENTRY = 7, DCS_PARAM = 8, DCS_INTERMEDIATE = 9,
            DCS_PASSTHROUGH = 10, DCS_IGNORE = 11, OSC_STRING = 12, SOS_PM_APC_STRING = 13, STATES = 14;

    private static final int NONE = 0, PRINT = 1, EXECUTE = 2, COLLECT = 3, PARAM = 4, ESC_DISPATCH = 5,
            CSI_DISPATCH = 6, PUT = 7, OSC_PUT = 8, IGNORE = 9;

    /** TABLE[state * 128 + byte] = action << 4 | next state. */
    private static final byte[] TABLE = new byte[STATES * 128];

    static {
        for (int s = 0; s < STATES; s++) {
            // Anywhere: CAN and SUB abort to ground, ESC starts an escape.
            set(s, 0x18, 0x18, EXECUTE, GROUND);
            set(s, 0x1A, 0x1A, EXECUTE, GROUND);
            set(s, 0x1B, 0x1B, NONE, ESCAPE);
        }
        int[] executing = {GROUND, ESCAPE, ESCAPE_INTERMEDIATE, CSI_ENTRY, CSI_PARAM, CSI_INTERMEDIATE, CSI_IGNORE};
        for (int s : executing) {
            c0(s, EXECUTE, s);
            set(s, 0x7F, 0x7F, IGNORE, s);
        }
        set(GROUND, 0x20, 0x7E, PRINT, GROUND);

        set(ESCAPE, 0x20, 0x2F, COLLECT, ESCAPE_INTERMEDIATE);
        set(ESCAPE, 0x30, 0x7E, ESC_DISPATCH, GROUND);
        set(ESCAPE, 0x5B, 0x5B, NONE, CSI_ENTRY);
        set(ESCAPE, 0x5D, 0x5D, NONE, OSC_STRING);
        set(ESCAPE, 0x50, 0x50, NONE, DCS_ENTRY);
        set(ESCAPE, 0x58, 0x58, NONE, SOS_PM_APC_STRING);
        set(ESCAPE, 0x5E, 0x5F, NONE, SOS_PM_APC_STRING);

        set(ESCAPE_INTERMEDIATE, 0x20, 0x2F, COLLECT, ESCAPE_INTERMEDIATE);
        set(ESCAPE_INTERMEDIATE, 0x30, 0x7E, ESC_DISPATCH, GROUND);

        set(CSI_ENTRY, 0x20, 0x2F, COLLECT, CSI_INTERMEDIATE);
        set(CSI_ENTRY, 0x30, 0x3B, PARAM, CSI_PARAM);
        set(CSI_ENTRY, 0x3C, 0x3F, COLLECT, CSI_PARAM);
        set(CSI_ENTRY, 0x40, 0x7E, CSI_DISPATCH, GROUND);

        set(CSI_PARAM, 0x20, 0x2F, COLLECT, CSI_INTERMEDIATE);
        set(CSI_PARAM, 0x30, 0x3B, PARAM, CSI_PARAM);
        set(CSI_PARAM, 0x3C, 0x3F, NONE, CSI_IGNORE);
        set(CSI_PARAM, 0x40, 0x7E, CSI_DISPATCH, GROUND);

        set(CSI_INTERMEDIATE, 0x20, 0x2F, COLLECT, CSI_INTERMEDIATE);
        set(CSI_INTERMEDIATE, 0x30, 0x3F, NONE, CSI_IGNORE);
        set(CSI_INTERMEDIATE, 0x40, 0x7E, CSI_DISPATCH, GROUND);

        set(CSI_IGNORE, 0x20, 0x3F, IGNORE, CSI_IGNORE);
        set(CSI_IGNORE, 0x40, 0x7E, NONE, GROUND);

        // DCS: parsed and dropped (no DCS changes what Tether shows); C0 inside is ignored.
        for (int s : new int[] {DCS_ENTRY, DCS_PARAM, DCS_INTERMEDIATE, DCS_PASSTHROUGH, DCS_IGNORE, SOS_PM_APC_STRING}) {
            c0(s, IGNORE, s);
            set(s, 0x20, 0x7F, IGNORE, s);
        }
        set(DCS_ENTRY, 0x20, 0x2F, NONE, DCS_INTERMEDIATE);
        set(DCS_ENTRY, 0x30, 0x3F, NONE, DCS_PARAM);
        set(DCS_ENTRY, 0x40, 0x7E, NONE, DCS_PASSTHROUGH);
        set(DCS_PARAM, 0x20, 0x2F, NONE, DCS_INTERMEDIATE);
        set(DCS_PARAM, 0x40, 0x7E, NONE, DCS_PASSTHROUGH);
        set(DCS_INTERMEDIATE, 0x30, 0x3F, NONE, DCS_IGNORE);
        set(DCS_INTERMEDIATE, 0x40, 0x7E, NONE, DCS_PASSTHROUGH);
        set(DCS_PASSTHROUGH, 0x20, 0x7E, PUT, DCS_PASSTHROUGH);

        c0(OSC_STRING, IGNORE, OSC_STRING);
        set(OSC_STRING, 0x07, 0x07, NONE, GROUND); // BEL ends it, as in xterm
        set(OSC_STRING, 0x20, 0x7F, OSC_PUT, OSC_STRING);
        for (int s = 0; s < STATES; s++) { // the anywhere transitions win over the ranges above
            set(s, 0x18, 0x18, EXECUTE, GROUND);
            set(s, 0x1A, 0x1A, EXECUTE, GROUND);
            set(s, 0x1B, 0x1B, NONE, ESCAPE);
        }
    }

    private static void c0(int state, int action, int next) {
        set(state, 0x00, 0x17, action, next);
        set(state, 0x19, 0x19, action, next);
        set(state, 0x1C, 0x1F, action, next);
    }

    private static void set(int state, int from, int to, int action, int next) {
        for (int b = from; b <= to; b++) {
            TABLE[state * 128 + b] = (byte) (action << 4 | next);
        }
    }

    private final Handler handler;
    private int state = GROUND;
    private final int[] params = new int[MAX_PARAMS];
    private final boolean[] sub = new boolean[MAX_PARAMS];
    private int count;
    /** Whether the sequence has any parameter byte (a digit or a separator). */
    private boolean seen;
    private int prefix;
    private int intermediates;
    private final byte[] osc = new byte[MAX_OSC];
    private int oscLength;
    /** The UTF-8 decoder: the code point so far and the continuation bytes still expected. */
    private int utf8;
    private int utf8Needed;
    private int utf8Min;

    /**
     * The raw bytes of the sequence or character not finished yet (since the parser last left the
     * ground state), so that a snapshot taken now can end with them and the output that follows
     * completes them; at most {@value #MAX_PENDING}, beyond which a sequence is not carried over.
     */
    static final int MAX_PENDING = 8192;
    private byte[] pending = new byte[16];
    private int pendingLength;

    Parser(Handler handler) {
        this.handler = handler;
    }

    /** The bytes of the unfinished sequence or character (see {@link #MAX_PENDING}); empty when idle. */
    byte[] pending() {
        return idle() || pendingLength > MAX_PENDING ? new byte[0] : java.util.Arrays.copyOf(pending, pendingLength);
    }

    private void remember(int b) {
        if (pendingLength >= MAX_PENDING) {
            pendingLength = MAX_PENDING + 1; // too long to carry over
            return;
        }
        if (pendingLength == pending.length) {
            pending = java.util.Arrays.copyOf(pending, Math.min(MAX_PENDING, pending.length * 2));
        }
        pending[pendingLength++] = (byte) b;
    }

    /** Takes over {@code other}'s state: a sequence or character it was in the middle of continues here. */
    void copyFrom(Parser other) {
        state = other.state;
        System.arraycopy(other.params, 0, params, 0, MAX_PARAMS);
        System.arraycopy(other.sub, 0, sub, 0, MAX_PARAMS);
        count = other.count;
        seen = other.seen;
        prefix = other.prefix;
        intermediates = other.intermediates;
        System.arraycopy(other.osc, 0, osc, 0, other.oscLength);
        oscLength = other.oscLength;
        pending = other.pending.clone();
        pendingLength = other.pendingLength;
        utf8 = other.utf8;
        utf8Needed = other.utf8Needed;
        utf8Min = other.utf8Min;
    }

    /** Whether the parser is between sequences and characters (a snapshot taken now loses nothing half-read). */
    boolean idle() {
        return state == GROUND && utf8Needed == 0;
    }

    void feed(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int b = bytes[i] & 0xFF;
            if (state == GROUND && utf8Needed == 0 && b >= 0x20 && b < 0x7F) {
                int from = i;
                do {
                    i++;
                } while (i < end && bytes[i] >= 0x20 && bytes[i] < 0x7F);
                handler.printAscii(bytes, from, i);
                continue;
            }
            i++;
            if (state == GROUND && utf8Needed == 0) {
                pendingLength = 0; // a new sequence or character may start here
            }
            if (b >= 0x80) {
                high(b);
                if (!idle()) {
                    remember(b);
                }
                continue;
            }
            if (utf8Needed > 0) { // a control or ASCII cuts a UTF-8 sequence short
                utf8Needed = 0;
                handler.print(0xFFFD);
            }
            int entry = TABLE[state * 128 + b] & 0xFF;
            int action = entry >> 4;
            int next = entry & 0xF;
            if (next != state) {
                leave(b);
            }
            switch (action) {
                case PRINT -> handler.print(b);
                case EXECUTE -> handler.execute(b);
                case COLLECT -> collect(b);
                case PARAM -> param(b);
                case ESC_DISPATCH -> handler.escDispatch(intermediates, b);
                case CSI_DISPATCH -> {
                    handler.csiDispatch(prefix, params, sub, seen ? Math.min(count + 1, MAX_PARAMS) : 0, intermediates, b);
                }
                case OSC_PUT -> {
                    if (oscLength < MAX_OSC) {
                        osc[oscLength++] = (byte) b;
                    }
                }
                default -> { }
            }
            if (next != state) {
                state = next;
                enter(next);
            }
            if (state != GROUND) {
                remember(b);
            }
        }
    }

    /** A byte from 0x80 up: UTF-8 in the ground state, string content in OSC, nothing elsewhere. */
    private void high(int b) {
        if (state == OSC_STRING) {
            if (oscLength < MAX_OSC) {
                osc[oscLength++] = (byte) b;
            }
            return;
        }
        if (state != GROUND) {
            return;
        }
        if (utf8Needed > 0) {
            if ((b & 0xC0) == 0x80) {
                utf8 = utf8 << 6 | (b & 0x3F);
                if (--utf8Needed == 0) {
                    int cp = utf8;
                    handler.print(cp < utf8Min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
                }
                return;
            }
            utf8Needed = 0;
            handler.print(0xFFFD); // and b starts afresh
        }
        if (b >= 0xC2 && b <= 0xDF) {
            utf8 = b & 0x1F;
            utf8Needed = 1;
            utf8Min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            utf8 = b & 0x0F;
            utf8Needed = 2;
            utf8Min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            utf8 = b & 0x07;
            utf8Needed = 3;
            utf8Min = 0x10000;
        } else {
            handler.print(0xFFFD);
        }
    }

    private void leave(int b) {
        if (state == OSC_STRING && b != 0x18 && b != 0x1A) { // CAN and SUB abort the string
            handler.oscDispatch(osc, oscLength);
        }
    }

    private void enter(int next) {
        switch (next) {
            case ESCAPE, CSI_ENTRY, DCS_ENTRY -> {
                count = 0;
                seen = false;
                prefix = 0;
                intermediates = 0;
                params[0] = -1;
                sub[0] = false;
            }
            case OSC_STRING -> oscLength = 0;
            default -> { }
        }
    }

    private void collect(int b) {
        if (b >= 0x3C && b <= 0x3F) {
            prefix = b;
        } else if (intermediates < 0x100) {
            intermediates = intermediates << 8 | b;
        } else {
            intermediates = 0xFFFFFF; // more than two: no sequence Tether knows
        }
    }

    private void param(int b) {
        if (b == ';' || b == ':') {
            if (count < MAX_PARAMS - 1) {
                count++;
                params[count] = -1;
                sub[count] = b == ':';
            } else {
                count = MAX_PARAMS; // further parameters are dropped, as xterm.js drops them
            }
            seen = true;
            return;
        }
        if (count == MAX_PARAMS) {
            return;
        }
        int v = params[count];
        v = v < 0 ? b - '0' : Math.min(v * 10 + (b - '0'), 65535);
        params[count] = v;
        seen = true;
    }
}
