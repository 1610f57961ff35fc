package dev.tether.term;

/**
 * A cell's look packed in one {@code long}: foreground colour (bits 0–25), background colour (bits
 * 26–51), attribute flags (bits 52–63). A colour is {@link #DEFAULT}, {@code PALETTE | index} (0–255:
 * the 16 ANSI colours, the 6×6×6 cube, the grey ramp) or {@code RGB | 0xRRGGBB}. {@code 0} is the
 * default style: default colours, no attributes.
 */
public final class Style {
    public static final int DEFAULT = 0;
    public static final int PALETTE = 1 << 24;
    public static final int RGB = 2 << 24;

    public static final int BOLD = 1;
    public static final int DIM = 1 << 1;
    public static final int ITALIC = 1 << 2;
    public static final int UNDERLINE = 1 << 3;
    public static final int BLINK = 1 << 4;
    public static final int INVERSE = 1 << 5;
    public static final int HIDDEN = 1 << 6;
    public static final int STRIKE = 1 << 7;
    public static final int OVERLINE = 1 << 8;
    public static final int DOUBLE_UNDERLINE = 1 << 9;

    private static final long COLOUR_MASK = (1L << 26) - 1;

    private Style() {
    }

    public static long of(int fg, int bg, int flags) {
        return (fg & COLOUR_MASK) | ((bg & COLOUR_MASK) << 26) | ((long) flags << 52);
    }

    public static int fg(long style) {
        return (int) (style & COLOUR_MASK);
    }

    public static int bg(long style) {
        return (int) ((style >>> 26) & COLOUR_MASK);
    }

    public static int flags(long style) {
        return (int) (style >>> 52);
    }

    static long withFg(long style, int fg) {
        return (style & ~COLOUR_MASK) | (fg & COLOUR_MASK);
    }

    static long withBg(long style, int bg) {
        return (style & ~(COLOUR_MASK << 26)) | ((bg & COLOUR_MASK) << 26);
    }

    static long withFlags(long style, int flags) {
        return (style & ((1L << 52) - 1)) | ((long) flags << 52);
    }

    /** The style a cell erased with {@code style} gets: its background only (xterm's "background colour erase"). */
    static long erased(long style) {
        return style & (COLOUR_MASK << 26);
    }

    /** The SGR parameters (without CSI and {@code m}) that set {@code style} from the default one; empty for the default. */
    public static String sgr(long style) {
        var b = new StringBuilder();
        int flags = flags(style);
        if ((flags & BOLD) != 0) b.append(";1");
        if ((flags & DIM) != 0) b.append(";2");
        if ((flags & ITALIC) != 0) b.append(";3");
        if ((flags & DOUBLE_UNDERLINE) != 0) b.append(";21");
        else if ((flags & UNDERLINE) != 0) b.append(";4");
        if ((flags & BLINK) != 0) b.append(";5");
        if ((flags & INVERSE) != 0) b.append(";7");
        if ((flags & HIDDEN) != 0) b.append(";8");
        if ((flags & STRIKE) != 0) b.append(";9");
        if ((flags & OVERLINE) != 0) b.append(";53");
        colour(b, fg(style), 30, 90, 38);
        colour(b, bg(style), 40, 100, 48);
        return b.isEmpty() ? "" : b.substring(1);
    }

    private static void colour(StringBuilder b, int colour, int base, int bright, int extended) {
        int value = colour & 0xFFFFFF;
        if ((colour & PALETTE) != 0) {
            if (value < 8) b.append(';').append(base + value);
            else if (value < 16) b.append(';').append(bright + value - 8);
            else b.append(';').append(extended).append(";5;").append(value);
        } else if ((colour & RGB) != 0) {
            b.append(';').append(extended).append(";2;").append(value >> 16).append(';').append((value >> 8) & 0xFF)
                    .append(';').append(value & 0xFF);
        }
    }
}
