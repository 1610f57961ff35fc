package dev.tether.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of random values for the fuzz tests ({@link Fuzz}): a function of a seeded
 * {@link Random}, so the same seed gives the same values. A few combinators are enough here; there is
 * no shrinking, the failing input is printed whole (abbreviated) with the seed that replays it.
 */
@FunctionalInterface
interface Gen<T> {
    T next(Random random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return r -> f.apply(next(r));
    }

    default <R> Gen<R> flatMap(Function<? super T, Gen<R>> f) {
        return r -> f.apply(next(r)).next(r);
    }

    /** Values that pass {@code keep}; the filter must keep most of them (it gives up after 1,000 tries). */
    default Gen<T> suchThat(Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 1_000; i++) {
                T value = next(r);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("a generator's filter refused 1,000 values in a row");
        };
    }

    static <T> Gen<T> constant(T value) {
        return r -> value;
    }

    /** One of {@code values}, each as likely. */
    @SafeVarargs
    static <T> Gen<T> oneOf(T... values) {
        return oneOf(List.of(values));
    }

    static <T> Gen<T> oneOf(List<T> values) {
        return r -> values.get(r.nextInt(values.size()));
    }

    /** The value of one of {@code gens}, each as likely. */
    @SafeVarargs
    static <T> Gen<T> choose(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    /** A whole number from {@code min} to {@code max}, the ends and their neighbours more often than the middle. */
    static Gen<Long> longs(long min, long max) {
        return r -> switch (r.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            case 2 -> Math.min(max, min + 1);
            case 3 -> Math.max(min, max - 1);
            default -> min + (long) (r.nextDouble() * ((double) max - min));
        };
    }

    static Gen<Integer> ints(int min, int max) {
        return longs(min, max).map(Long::intValue);
    }

    /** Lists of {@code min} to {@code max} elements. */
    static <T> Gen<List<T>> lists(Gen<T> element, int min, int max) {
        return r -> {
            int n = min + r.nextInt(max - min + 1);
            var out = new ArrayList<T>(n);
            for (int i = 0; i < n; i++) {
                out.add(element.next(r));
            }
            return out;
        };
    }

    /** Strings of {@code min} to {@code max} characters drawn from {@code chars}. */
    static Gen<String> strings(Gen<String> chars, int min, int max) {
        return lists(chars, min, max).map(parts -> String.join("", parts));
    }

    /** Random bytes, {@code min} to {@code max} of them. */
    static Gen<byte[]> bytes(int min, int max) {
        return r -> {
            byte[] b = new byte[min + r.nextInt(max - min + 1)];
            r.nextBytes(b);
            return b;
        };
    }

    /**
     * Characters a parser can trip on: ASCII letters and digits, punctuation and controls, digits of
     * other scripts (Arabic-Indic, Devanagari, full-width), Latin-1, a NUL, lone surrogates, emoji.
     */
    Gen<String> TRICKY_CHAR = choose(
            oneOf("a", "Z", "0", "1", "9", "-", "+", ".", "e", "E", "x", "_", "/", "\\", "\"", "'", " ", "\t", ",", ":", "{", "}",
                    "[", "]", "%", "?", "&", "=", "#", ";"),
            oneOf("\u0000", "\u0001", "\u001f", "\u007f", "\r", "\n"),
            oneOf("\u0660", "\u0663", "\u0669", "\u06f5", "\u0966", "\u096b", "\uff10", "\uff15", "\u00b2", "\u00bd", "\u2167"),
            oneOf("\u00e9", "\u00ff", "\u00a0", "\ufeff", "\ufffd", "\u200b", "\u2028"),
            oneOf("\ud800", "\udfff", "\ud83d\ude00", "\u4e2d"),
            ints(0x20, 0x7e).map(c -> String.valueOf((char) c.intValue())));

    /** Short strings of {@link #TRICKY_CHAR}s. */
    static Gen<String> trickyStrings(int max) {
        return strings(TRICKY_CHAR, 0, max);
    }
}
