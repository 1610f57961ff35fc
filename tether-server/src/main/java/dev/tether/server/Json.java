package dev.tether.server;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The server's one JSON mapper: strict on input, ISO-8601 times on output.
 *
 * <p>Strict means every field has exactly one JSON type: no blank or empty string for a number or
 * a boolean (Jackson takes {@code " "} as null by default, which made {@code "whatIf":" "} a real
 * disconnect), no number or boolean for a string, no null inside an array or object, no text a
 * terminal or UTF-8 cannot carry (NUL, unpaired surrogates). {@code null} for a whole field counts as
 * absent. Every mistake becomes INVALID_PARAMETER with a sentence naming the field and never a
 * class name.
 */
final class Json {
    static final ObjectMapper MAPPER = strict(JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new SimpleModule("tether-text").addDeserializer(String.class, new Text()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
            .build());

    private Json() {
    }

    private static ObjectMapper strict(ObjectMapper mapper) {
        // Blank strings are not "absent", and strings are not made from numbers or booleans.
        mapper.coercionConfigDefaults().setAcceptBlankAsEmpty(false)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Reads {@code text} (empty means {@code {}}) as {@code type}, turning every mistake into a
     * sentence about {@code what} that names the field.
     */
    /** The type ids a polymorphic {@code type} accepts, from its {@link JsonSubTypes}. */
    private static String typeNames(Class<?> type) {
        JsonSubTypes subtypes = type.getAnnotation(JsonSubTypes.class);
        return subtypes == null ? "none" : Arrays.stream(subtypes.value())
                .map(s -> s.value().getAnnotation(JsonTypeName.class).value())
                .collect(Collectors.joining(", "));
    }

    static <T> T read(String text, Class<T> type, String what) {
        T value;
        try {
            value = MAPPER.readValue(text == null || text.isBlank() ? "{}" : text, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw invalid("unknown field '" + e.getPropertyName() + "' in " + what + "; known fields: " + known);
        } catch (BadText e) {
            throw invalid("the field '" + path(e.getPath()) + "' in " + what + " " + e.getOriginalMessage());
        } catch (InvalidNullException e) {
            throw invalid("the field '" + path(e.getPath()) + "' in " + what + " may not be null");
        } catch (InvalidTypeIdException e) {
            throw invalid("the field 'type' in " + what + (e.getTypeId() == null ? " is missing" : " is '" + e.getTypeId()
                    + "', which is not a known type") + "; known types: " + typeNames(type));
        } catch (MismatchedInputException e) {
            String field = path(e.getPath());
            throw invalid(field.isEmpty() ? what + " must be a JSON object"
                    : "the field '" + field + "' in " + what + " must be " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof TetherException te) {
                throw te;
            }
            String field = path(e.getPath());
            throw invalid(field.isEmpty() ? what + " is not valid" : "the field '" + field + "' in " + what + " is not valid");
        } catch (InputCoercionException e) {
            String field = path(e.getProcessor() instanceof JsonParser p ? p.getParsingContext() : null);
            throw invalid("the field '" + field + "' in " + what + " is out of range for " + expected(e.getTargetType()));
        } catch (StreamConstraintsException e) {
            // The parser's own limits: numbers of 1,000 digits, nesting 1,000 deep, and so on.
            String field = path(e.getProcessor() instanceof JsonParser p ? p.getParsingContext() : null);
            String limit = e.getOriginalMessage().startsWith("Number value length") ? "has a number longer than 1000 digits"
                    : e.getOriginalMessage().startsWith("Document nesting depth") ? "is nested too deeply"
                    : "passes a size limit of the JSON parser";
            throw invalid((field.isEmpty() ? what : "the field '" + field + "' in " + what) + " " + limit);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw invalid(what + " is not valid JSON" + (at == null || at.getLineNr() < 0 ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw invalid(what + " cannot be read");
        }
        if (value == null) {
            throw invalid(what + " must be a JSON object, not null");
        }
        return value;
    }

    private static TetherException invalid(String sentence) {
        return new TetherException(ResultCode.INVALID_PARAMETER, sentence);
    }

    /** "ids[0]", "flags.credsAuthenticated": the field as the body spells it. */
    private static String path(List<JsonMappingException.Reference> references) {
        var out = new StringBuilder();
        for (var r : references) {
            if (r.getFieldName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    /** The same, from where a parser stood when a number did not fit. */
    private static String path(JsonStreamContext context) {
        var parts = new ArrayDeque<String>();
        for (var c = context; c != null && !c.inRoot(); c = c.getParent()) {
            parts.push(c.inArray() ? "[" + c.getCurrentIndex() + "]" : (c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
        }
        return String.join("", parts);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another JSON type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "of another JSON type";
    }

    /** A string that UTF-8 and a C string can carry: no NUL, no unpaired surrogate. */
    private static final class Text extends StdScalarDeserializer<String> {
        Text() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = StringDeserializer.instance.deserialize(p, ctxt);
            if (s == null) {
                return null;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == 0) {
                    throw new BadText(p, "contains a NUL character");
                }
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new BadText(p, "contains an unpaired surrogate (\\u" + Integer.toHexString(c) + "), which is not Unicode text");
                }
            }
            return s;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }

    /** A string field whose text is refused; its message completes "the field 'F' in X ...". */
    private static final class BadText extends MismatchedInputException {
        BadText(JsonParser p, String message) {
            super(p, message, String.class);
        }
    }
}
