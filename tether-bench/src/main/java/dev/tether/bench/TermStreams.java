package dev.tether.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The byte streams the {@code emulator} scenario feeds, generated in memory from a fixed seed, so
 * every run parses the same bytes. Each is built of whole units (a line, a page) and stops at the
 * last unit that fits in the size asked for.
 */
final class TermStreams {
    static final int COLS = 80;
    static final int ROWS = 24;
    static final List<String> NAMES = List.of("log-like", "full-screen", "wrapping", "yes", "utf-8");

    /** A named stream and what it stands for. */
    record Stream(String name, String what, byte[] bytes) {
    }

    private static final String[] WORDS = {
        "request", "session", "attach", "client", "ring", "screen", "keeper", "socket", "flush", "retry",
        "timeout", "user", "id", "bytes", "ok", "done", "queued", "closed", "opened", "read", "write",
        "the", "of", "to", "from", "in", "after", "ms", "with", "state", "resize", "GET", "POST", "200", "404",
    };
    private static final String[][] LEVELS = {
        {"\033[32mINFO\033[0m ", "INFO "}, {"\033[33mWARN\033[0m ", "WARN "},
        {"\033[1;31mERROR\033[0m", "ERROR"}, {"\033[2mDEBUG\033[0m", "DEBUG"},
    };
    /** Wide (CJK, emoji), accented (precomposed and combining) and joined (ZWJ, VS16) text. */
    private static final String[] UNICODE = {
        "漢字", "日本語", "かな", "カタカナ", "한국어", "中文字符", "😀", "🚀", "🎉", "❤️", "👩‍💻", "👍🏽",
        "café", "naïve", "Ünïcödé", "señor", "e\u0301te\u0301", "Ångström", "façade", "ø", "ß", "–", "…",
    };

    private TermStreams() {
    }

    /** The five streams of {@link #NAMES}, {@code bytes} long at most each. */
    static List<Stream> all(int bytes) {
        return List.of(
                new Stream("log-like", "log lines of 60-120 chars: timestamp, coloured level, CR LF", logLike(bytes)),
                new Stream("full-screen", "80x24 pages: CUP per row, SGR, EL (vim, less paging)", fullScreen(bytes)),
                new Stream("wrapping", "one long line of 'x' (the throughput scenario's payload)", repeated("x", bytes)),
                new Stream("yes", "\"y\\r\\n\" repeated: a scroll a line", repeated("y\r\n", bytes)),
                new Stream("utf-8", "lines of CJK, emoji and accented words, CR LF", utf8(bytes)));
    }

    static byte[] logLike(int size) {
        var r = new SplittableRandom(12);
        long millis = 1_796_000_000_000L; // late 2026
        var line = new StringBuilder();
        var out = new Filler(size);
        do {
            millis += r.nextInt(40);
            line.setLength(0);
            String[] level = LEVELS[r.nextInt(10) < 7 ? 0 : r.nextInt(LEVELS.length)];
            line.append(java.time.Instant.ofEpochMilli(millis)).append(' ').append(level[0])
                    .append(" [worker-").append(r.nextInt(16)).append("] ");
            int visible = 25 + level[1].length() + 11;
            int width = 60 + r.nextInt(61);
            while (visible < width) {
                String w = WORDS[r.nextInt(WORDS.length)];
                if (r.nextInt(12) == 0) {
                    line.append("\033[36m").append(w).append("\033[39m ");
                } else {
                    line.append(w).append(' ');
                }
                visible += w.length() + 1;
            }
            line.append("\r\n");
        } while (out.add(line));
        return out.bytes();
    }

    /** Pages as a pager draws them: each row placed with CUP, line numbers coloured, the rest erased with EL. */
    static byte[] fullScreen(int size) {
        var r = new SplittableRandom(24);
        var page = new StringBuilder();
        var out = new Filler(size);
        int first = 1;
        do {
            page.setLength(0);
            page.append("\033[?25l");
            for (int row = 1; row < ROWS; row++) {
                page.append("\033[").append(row).append(";1H\033[33m")
                        .append(String.format(Locale.ROOT, "%6d ", first + row - 1)).append("\033[m");
                int width = r.nextInt(COLS - 7);
                int used = 0;
                while (used < width) {
                    String w = WORDS[r.nextInt(WORDS.length)];
                    if (used + w.length() + 1 > COLS - 7) {
                        break;
                    }
                    boolean bold = r.nextInt(10) == 0;
                    page.append(bold ? "\033[1m" : "").append(w).append(bold ? "\033[22m " : " ");
                    used += w.length() + 1;
                }
                page.append("\033[K");
            }
            page.append("\033[").append(ROWS).append(";1H\033[7m lines ").append(first).append('-')
                    .append(first + ROWS - 2).append(" \033[27m\033[K\033[").append(ROWS).append(";9H\033[?25h");
            first += ROWS - 1;
        } while (out.add(page));
        return out.bytes();
    }

    static byte[] utf8(int size) {
        var r = new SplittableRandom(8);
        var line = new StringBuilder();
        var out = new Filler(size);
        do {
            line.setLength(0);
            int words = 6 + r.nextInt(10);
            for (int i = 0; i < words; i++) {
                line.append(r.nextBoolean() ? UNICODE[r.nextInt(UNICODE.length)] : WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            line.append("\r\n");
        } while (out.add(line));
        return out.bytes();
    }

    static byte[] repeated(String unit, int size) {
        byte[] u = unit.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size / u.length * u.length];
        for (int i = 0; i < b.length; i += u.length) {
            System.arraycopy(u, 0, b, i, u.length);
        }
        return b;
    }

    /** Collects whole units until the next one would not fit. */
    private static final class Filler {
        private final byte[] buffer;
        private int length;

        Filler(int size) {
            buffer = new byte[size];
        }

        /** Appends {@code unit} if it fits whole; false (and nothing appended) once it does not. */
        boolean add(CharSequence unit) {
            byte[] b = unit.toString().getBytes(StandardCharsets.UTF_8);
            if (length + b.length > buffer.length) {
                return false;
            }
            System.arraycopy(b, 0, buffer, length, b.length);
            length += b.length;
            return true;
        }

        byte[] bytes() {
            return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
        }
    }
}
