package dev.tether.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The SDK's one JSON mapper. Reading is lenient about fields it does not know, so an older SDK keeps
 * working against a newer server; the server, not the SDK, is strict about what it accepts.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL) // a code or state of a newer server
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private Json() {
    }

    static JavaType type(Class<?> type) {
        return MAPPER.getTypeFactory().constructType(type);
    }

    static JavaType listOf(Class<?> element) {
        return MAPPER.getTypeFactory().constructCollectionType(List.class, element);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** {@code value} as a JSON tree: itself when it is one, null for null. */
    static JsonNode tree(Object value) {
        return value == null || value instanceof JsonNode ? (JsonNode) value : MAPPER.valueToTree(value);
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot encode the request body: " + e.getMessage());
        }
    }

    /**
     * {@code fields} plus {@code name: secret} as JSON bytes, the secret written straight from its
     * characters so that no {@code String} copy of it is made. The caller zeroes the bytes after use.
     */
    static byte[] withSecret(ObjectNode fields, String name, char[] secret) {
        var out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = MAPPER.getFactory().createGenerator(out)) {
            generator.writeStartObject();
            for (var field : fields.properties()) {
                generator.writeFieldName(field.getKey());
                MAPPER.writeTree(generator, field.getValue());
            }
            generator.writeFieldName(name);
            generator.writeString(secret, 0, secret.length);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot encode the request body: " + e.getMessage());
        }
        return out.toByteArray();
    }

    static <T> T read(byte[] body, JavaType type, String what) {
        try {
            return MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw new TetherException(ResultCode.INTERNAL, "the server's answer to " + what + " is not what the API promises: "
                    + firstLine(e.getMessage()));
        }
    }

    /**
     * An event: its {@code data} as the record of its type, or {@link Event.Unknown} for a type this
     * SDK does not know (a newer server).
     */
    static EventRecord event(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            String type = node.path("type").asText();
            JsonNode data = node.path("data").isObject() ? node.path("data") : MAPPER.createObjectNode();
            Class<? extends Event> known = Event.classOf(type);
            Event event = known != null ? MAPPER.treeToValue(data, known)
                    : new Event.Unknown(type, MAPPER.convertValue(data, new TypeReference<Map<String, Object>>() { }));
            JsonNode session = node.path("sessionId");
            JsonNode at = node.path("at");
            return new EventRecord(
                    node.path("id").asLong(),
                    at.isTextual() ? Instant.parse(at.asText()) : null,
                    session.isNumber() ? session.asLong() : null,
                    node.path("user").isTextual() ? node.path("user").asText() : null,
                    event);
        } catch (IOException | RuntimeException e) {
            throw new TetherException(ResultCode.INTERNAL, "an event from the server is not what the API promises: "
                    + firstLine(e.getMessage()));
        }
    }

    static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
