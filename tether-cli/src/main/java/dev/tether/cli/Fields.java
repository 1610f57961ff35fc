package dev.tether.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One object for a person: a {@code key  value} line per field, in the order put, values lined up after the longest key. */
final class Fields {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** A null value prints as nothing after its key. */
    void put(String key, Object value) {
        fields.put(key, value);
    }

    void print(PrintWriter out) {
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
        fields.forEach((key, value) -> out.println(key + " ".repeat(width - key.length() + 2) + (value == null ? "" : value)));
    }
}
