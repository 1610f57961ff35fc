package dev.tether.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/** The bad values the fuzz tests draw from, each with the model of what is valid that it is checked against. */
final class FuzzInputs {
    private FuzzInputs() {
    }

    /** The model of an id: 1 to 10 ASCII digits, 1..2^32-1. */
    static boolean validId(String s) {
        return s != null && s.matches("[0-9]{1,10}") && Long.parseLong(s) >= 1 && Long.parseLong(s) <= 0xFFFF_FFFFL;
    }

    /** The model of a whole-number query parameter: ASCII digits only, from min to max. */
    static boolean validInt(String s, int min, int max) {
        return s.matches("[0-9]{1,9}") && Integer.parseInt(s) >= min && Integer.parseInt(s) <= max;
    }

    /** Strings that look like numbers, or nearly: signs, other scripts' digits, spaces, exponents, overflows. */
    static final Gen<String> NUMBERISH = Gen.choose(
            Gen.oneOf("0", "1", "-1", "+1", "-0", "+0", "00", "01", "1.0", "1.", ".5", "1e3", "1E3", "0x1", "0b1", "1_000", "1,000",
                    " 1", "1 ", "\t1", "1\n", "4294967295", "4294967296", "18446744073709551616", "2147483647", "2147483648",
                    "99999999999", "9".repeat(40), "NaN", "Infinity", "-Infinity", "null", "true", "\u0663\u0660", "\u06f5",
                    "\u096b", "\uff15", "\u0661\u0662", "\u00b2", "\u2167", "1\u0000", "\ufeff1", "30\u200b"),
            Gen.longs(-5, 0xFFFF_FFFFL + 5).map(String::valueOf),
            Gen.longs(0, 0xFFFF_FFFFL).map(n -> String.valueOf(n).chars()
                    .mapToObj(c -> String.valueOf((char) (c - '0' + 0x0660))).reduce("", String::concat)),
            Gen.trickyStrings(12));

    static final Gen<String> BAD_ID = NUMBERISH.suchThat(s -> !validId(s));

    /** An id for a path segment: not one, not empty, not only dots (which a path would lose as "." or ".."). */
    static final Gen<String> BAD_PATH_ID = BAD_ID.suchThat(s -> !s.isEmpty() && !s.matches("\\.+"));

    static Gen<String> badInt(int min, int max) {
        return NUMBERISH.suchThat(s -> !validInt(s, min, max));
    }

    static final Gen<String> BAD_FLAG = Gen.choose(
            Gen.oneOf("TRUE", "True", "FALSE", "1", "0", "yes", "no", "on", "off", "maybe", "true ", " false", "t", "f", "null",
                    "truee", "tru", "\u0074rue\u0000"),
            Gen.trickyStrings(8)).suchThat(s -> !s.isEmpty() && !s.equals("true") && !s.equals("false"));

    static final Set<String> STATES = Set.of("activated", "activating", "deactivated", "deactivating", "1", "2", "3", "4");
    static final Gen<String> BAD_STATE = Gen.choose(
            Gen.oneOf("0", "5", "-1", "ACTIVE", "activ", "ACTIVATED ", " 1", "DEACTIVATE", "disconnected", "\u0661"),
            Gen.trickyStrings(10)).suchThat(s -> !STATES.contains(s.toLowerCase(java.util.Locale.ROOT)));

    /** What {@code since} or Last-Event-ID may be: blank (absent), 0, or an id, each after trimming. */
    static boolean validSince(String s) {
        return s.isBlank() || s.trim().equals("0") || validId(s.trim());
    }

    static final Gen<String> BAD_SINCE = NUMBERISH.suchThat(s -> !validSince(s));

    /** Escapes that are not a % and two hex digits; Integer.parseInt(s, 16) takes some of them ("-0", "+f"). */
    static final Gen<String> BAD_ESCAPE = Gen.oneOf("%", "%-0", "%+f", "%-1", "%+0", "%g0", "%0g", "%0", "%%", "%x1", "%1-", "%zz",
            "%-f", "%.1", "%1%");

    /** Byte sequences that are not UTF-8: stray continuations, overlong forms, surrogates, bytes UTF-8 never uses, cut sequences. */
    static final Gen<byte[]> NOT_UTF8 = Gen.oneOf(List.of(new byte[] {(byte) 0x80}, new byte[] {(byte) 0xbf}, new byte[] {(byte) 0xc0, (byte) 0xaf},
            new byte[] {(byte) 0xc1, (byte) 0xbf}, new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe}, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xe2, (byte) 0x82},
            new byte[] {(byte) 0xf0, (byte) 0x9f, (byte) 0x98}, new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}));

    /** {@code text} with every byte but the unreserved ones (RFC 3986) percent-encoded: safe in a path segment or a query value. */
    static String encode(String text) {
        var out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /** A JSON string literal for {@code s}, every character outside printable ASCII as a \\u escape (lone surrogates too). */
    static String quote(String s) {
        var out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** The field names of every body, so generated objects often hit a real field. */
    static final List<String> FIELDS = List.of("command", "args", "env", "cols", "rows", "ids", "all", "whatIf", "message",
            "password", "title", "text", "timeoutSeconds", "wait", "application", "id", "friendlyName", "userName",
            "timeoutMinutes", "flags", "clearCredsOnLastResource", "credsAuthenticated", "name", "admin", "user", "type", "messageId");

    static final Gen<String> SCALAR = Gen.choose(
            Gen.oneOf("null", "true", "false", "0", "-0", "1", "-1", "1.5", "1e400", "-1e400", "1e-400", "4294967295", "4294967296",
                    "9223372036854775808", "2147483648", "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\"", "\"1\"",
                    "\"true\"", "\"resize\"", "\"ack\"", "9".repeat(1_100), "0." + "1".repeat(1_100), "-", "01", "1.e5", ".5", "+1",
                    "NaN", "\"\\x41\"", "'a'"),
            Gen.longs(-3, 70_000).map(String::valueOf),
            Gen.trickyStrings(10).map(FuzzInputs::quote));

    /** JSON-shaped text, {@code depth} deep at most: valid JSON of any shape, with names of real fields and scalars that trip parsers. */
    static Gen<String> json(int depth) {
        if (depth == 0) {
            return SCALAR;
        }
        Gen<String> inner = r -> json(depth - 1).next(r);
        Gen<String> name = Gen.choose(Gen.oneOf(FIELDS), Gen.oneOf(FIELDS), Gen.trickyStrings(6)).map(FuzzInputs::quote);
        Gen<String> member = r -> name.next(r) + ":" + inner.next(r);
        return Gen.choose(SCALAR,
                Gen.lists(inner, 0, 4).map(items -> "[" + String.join(",", items) + "]"),
                Gen.lists(member, 0, 5).map(members -> "{" + String.join(",", members) + "}"),
                Gen.lists(member, 1, 5).map(members -> "{" + String.join(",", members) + "}"));
    }

    /** {@code text} damaged: cut short, with a character put in or taken out, or with something after it. */
    static Gen<String> damaged(Gen<String> text) {
        return r -> {
            String t = text.next(r);
            if (t.length() < 2) {
                return t + "}";
            }
            int at = 1 + r.nextInt(t.length() - 1);
            return switch (r.nextInt(4)) {
                case 0 -> t.substring(0, at);
                case 1 -> t.substring(0, at) + Gen.TRICKY_CHAR.next(r) + t.substring(at);
                case 2 -> t.substring(0, at - 1) + t.substring(at);
                default -> t + Gen.oneOf("x", "}", "{}", "1", "]", ",", "null").next(r);
            };
        };
    }
}
