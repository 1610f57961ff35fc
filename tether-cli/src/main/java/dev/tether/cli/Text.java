package dev.tether.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Small formatting rules shared by the commands' human output. */
final class Text {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter LOCAL_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private Text() {
    }

    /** Local time to the second, as qwinsta shows logon times; empty for null. */
    static String time(Instant instant) {
        return instant == null ? "" : LOCAL.format(instant);
    }

    static String timeMillis(Instant instant) {
        return instant == null ? "" : LOCAL_MILLIS.format(instant);
    }

    /** Cut to {@code max} characters, marking the cut. */
    static String cut(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
