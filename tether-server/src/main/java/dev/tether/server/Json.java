package dev.tether.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;
import java.util.stream.Collectors;

/** The server's one JSON mapper: strict on input (unknown fields, coercions), ISO-8601 times on output. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Reads {@code text} (empty means {@code {}}) as {@code type}, turning every mistake into a sentence. */
    static <T> T read(String text, Class<T> type, String what) {
        try {
            return MAPPER.readValue(text == null || text.isBlank() ? "{}" : text, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "unknown field '" + e.getPropertyName() + "' in " + what + "; known fields: " + known);
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new TetherException(ResultCode.INVALID_PARAMETER, field.isEmpty()
                    ? what + " must be a JSON object"
                    : "the field '" + field + "' in " + what + " has the wrong type");
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TetherException te) {
                throw te;
            }
            throw new TetherException(ResultCode.INVALID_PARAMETER, what + " is not valid: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, what + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }
}
