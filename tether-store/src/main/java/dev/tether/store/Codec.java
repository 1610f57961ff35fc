package dev.tether.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tether.api.Event;
import dev.tether.api.ResultCode;
import dev.tether.api.TargetResult;
import dev.tether.api.TetherException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * How values become column values and back. Instants are ISO-8601 UTC text with exactly nine
 * fraction digits, so they round-trip exactly and sort as text; JSON columns are written by
 * Jackson, which reads numbers back as Integer, Long or Double.
 */
final class Codec {
    private static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            // Rows written by a newer Tether may carry fields this one does not know.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<List<TargetResult>> TARGETS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private Codec() {}

    static String instant(Instant instant) {
        return instant == null ? null : INSTANT.format(instant);
    }

    static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the store cannot write a " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static List<String> strings(String json) {
        return read(json, STRINGS);
    }

    static List<TargetResult> targets(String json) {
        return read(json, TARGETS);
    }

    /** An event's {@code data} column as its record, or {@link Event.Unknown} for a type this version does not know. */
    static Event event(String type, String json) {
        Class<? extends Event> known = Event.classOf(type);
        try {
            return known != null ? JSON.readValue(json, known) : new Event.Unknown(type, JSON.readValue(json, MAP));
        } catch (JsonProcessingException e) {
            throw new TetherException(ResultCode.INTERNAL, "the store holds a " + type + " event it cannot read", e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new TetherException(ResultCode.INTERNAL, "the store holds a JSON column it cannot read", e);
        }
    }

    static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
        return name == null ? null : Enum.valueOf(type, name);
    }

    static String nameOf(Enum<?> value) {
        return value == null ? null : value.name();
    }
}
