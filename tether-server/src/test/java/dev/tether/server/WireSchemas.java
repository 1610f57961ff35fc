package dev.tether.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records of tether-api's wire model held against the schemas of openapi.yaml, and JSON held
 * against a schema. Both say what is wrong as sentences, so a test can list every mismatch at once.
 *
 * <p>The checker knows the part of JSON Schema the document uses: {@code $ref}, {@code allOf},
 * {@code oneOf} (with a {@code discriminator} it follows the mapping), {@code type} (one or a list),
 * {@code const}, {@code enum}, {@code minimum}/{@code maximum}, {@code required}, {@code properties} and
 * {@code items}. It treats an object schema's {@code properties} as closed: the server's own traffic
 * must not carry a field the document does not name (a reader may still ignore new ones).
 */
final class WireSchemas {
    private final JsonNode doc;

    WireSchemas(JsonNode doc) {
        this.doc = doc;
    }

    static String ref(String schema) {
        return "#/components/schemas/" + schema;
    }

    JsonNode schema(String name) {
        return doc.path("components").path("schemas").path(name);
    }

    // ------------------------------------------------------------------ records against schemas

    /** The JSON name of a record component: its accessor's {@link JsonProperty}, else its own name. */
    static String jsonName(RecordComponent c) {
        JsonProperty named = c.getAccessor().getAnnotation(JsonProperty.class);
        return named != null && !named.value().isEmpty() ? named.value() : c.getName();
    }

    /** The type ids and records of a polymorphic interface's {@link JsonSubTypes}, in order. */
    static Map<String, Class<?>> subtypes(Class<?> sealed) {
        var out = new LinkedHashMap<String, Class<?>>();
        for (JsonSubTypes.Type t : sealed.getAnnotation(JsonSubTypes.class).value()) {
            out.put(t.value().getAnnotation(JsonTypeName.class).value(), t.value());
        }
        return out;
    }

    /**
     * A record built from its canonical constructor: {@code filled} puts 1, true, "x" or the first
     * constant in every component; otherwise 0, false and null.
     */
    static Object sample(Class<?> record, boolean filled) {
        RecordComponent[] components = record.getRecordComponents();
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Object[] values = Arrays.stream(types).map(t -> value(t, filled)).toArray();
        try {
            return record.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build a sample " + record.getName(), e);
        }
    }

    private static Object value(Class<?> type, boolean filled) {
        if (type == long.class || type == Long.class) {
            return filled || type.isPrimitive() ? (filled ? 1L : 0L) : null;
        }
        if (type == int.class || type == Integer.class) {
            return filled || type.isPrimitive() ? (filled ? 1 : 0) : null;
        }
        if (type == boolean.class || type == Boolean.class) {
            return filled || type.isPrimitive() ? filled : null;
        }
        if (type == String.class) {
            return filled ? "x" : null;
        }
        if (type.isEnum()) {
            return filled ? type.getEnumConstants()[0] : null;
        }
        throw new IllegalArgumentException("no sample value for a component of type " + type.getName()
                + "; teach WireSchemas.value the new type");
    }

    /** The JSON type a component of this Java type has on the wire. */
    private static String jsonType(Class<?> type) {
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
            return "integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean";
        }
        if (type == String.class || type.isEnum()) {
            return "string";
        }
        throw new IllegalArgumentException("no JSON type known for " + type.getName());
    }

    /**
     * What is wrong with schema {@code name} as the description of {@code record} on the wire: it is
     * missing, its properties are not exactly (and in order) the fields the server's mapper writes,
     * {@code required} is not exactly the fields written even when null, a property's type is not the
     * component's (a primitive may not be nullable, a boxed number that is always written must be;
     * an enum's values are the Java constants), or {@code type}'s const is not {@code typeId}.
     *
     * @param typeId the {@code type} the schema fixes ({@link JsonTypeName}), or null for an event's data
     */
    List<String> recordProblems(String name, Class<?> record, String typeId) {
        var problems = new ArrayList<String>();
        JsonNode schema = schema(name);
        String what = "the schema " + name + " (of " + record.getName().substring(record.getPackageName().length() + 1).replace('$', '.') + ")";
        if (schema.isMissingNode()) {
            problems.add("openapi.yaml has no schema " + name + " for " + record.getName());
            return problems;
        }
        ObjectNode full = Json.MAPPER.valueToTree(sample(record, true));
        ObjectNode empty = Json.MAPPER.valueToTree(sample(record, false));
        var wire = new ArrayList<String>();
        full.fieldNames().forEachRemaining(wire::add);
        var documented = new ArrayList<String>();
        merged(schema).properties.keySet().forEach(documented::add);
        if (!documented.equals(wire)) {
            var missing = new LinkedHashSet<>(wire);
            missing.removeAll(documented);
            var extra = new LinkedHashSet<>(documented);
            extra.removeAll(wire);
            problems.add(what + " has the properties " + documented + " but the wire has " + wire
                    + (missing.isEmpty() ? "" : "; missing " + missing) + (extra.isEmpty() ? "" : "; not on the wire " + extra)
                    + (missing.isEmpty() && extra.isEmpty() ? " (the order differs)" : ""));
        }
        var alwaysSent = new LinkedHashSet<String>();
        empty.fieldNames().forEachRemaining(alwaysSent::add);
        Set<String> required = merged(schema).required;
        if (!required.equals(alwaysSent)) {
            problems.add(what + " requires " + required + " but the server always sends " + alwaysSent);
        }
        Map<String, JsonNode> properties = merged(schema).properties;
        if (typeId != null) {
            JsonNode constant = properties.getOrDefault("type", com.fasterxml.jackson.databind.node.MissingNode.getInstance()).path("const");
            if (!constant.asText().equals(typeId)) {
                problems.add(what + " fixes type to " + constant + " but its @JsonTypeName is \"" + typeId + "\"");
            }
        }
        for (RecordComponent c : record.getRecordComponents()) {
            String field = jsonName(c);
            JsonNode property = properties.get(field);
            if (property == null) {
                continue; // reported above
            }
            Set<String> types = types(property);
            String expected = jsonType(c.getType());
            if (!types.contains(expected)) {
                problems.add(what + ": " + field + " is " + types + " but the record's " + c.getType().getSimpleName()
                        + " is a JSON " + expected);
            }
            if (c.getType().isPrimitive() && types.contains("null")) {
                problems.add(what + ": " + field + " may be null but the record's " + c.getType() + " never is");
            }
            if (!c.getType().isPrimitive() && c.getType() != String.class && !c.getType().isEnum()
                    && alwaysSent.contains(field) && !types.contains("null")) {
                problems.add(what + ": " + field + " is a " + c.getType().getSimpleName() + " the server sends as null when"
                        + " absent, so its type must allow \"null\"");
            }
            if (c.getType().isEnum()) {
                var constants = Arrays.stream(c.getType().getEnumConstants()).map(Object::toString).toList();
                List<String> values = enumValues(property);
                if (!values.equals(constants)) {
                    problems.add(what + ": " + field + " has the values " + values + " but " + c.getType().getSimpleName()
                            + " has " + constants);
                }
            }
        }
        return problems;
    }

    // ------------------------------------------------------------------ the schema's view

    /** An object schema with its allOf parts and $refs folded in. */
    record Merged(Map<String, JsonNode> properties, Set<String> required) {
    }

    JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        for (int hops = 0; s.has("$ref") && hops < 20; hops++) {
            s = doc.at(s.get("$ref").asText().substring(1));
        }
        return s;
    }

    Merged merged(JsonNode schema) {
        var properties = new LinkedHashMap<String, JsonNode>();
        var required = new LinkedHashSet<String>();
        fold(resolve(schema), properties, required);
        return new Merged(properties, required);
    }

    private void fold(JsonNode s, Map<String, JsonNode> properties, Set<String> required) {
        for (JsonNode part : s.path("allOf")) {
            fold(resolve(part), properties, required);
        }
        s.path("properties").properties().forEach(p -> properties.put(p.getKey(), p.getValue()));
        s.path("required").forEach(r -> required.add(r.asText()));
    }

    /** The JSON types a schema admits: its {@code type}s, through $ref and oneOf ("null" included). */
    Set<String> types(JsonNode schema) {
        JsonNode s = resolve(schema);
        var out = new LinkedHashSet<String>();
        JsonNode type = s.path("type");
        if (type.isTextual()) {
            out.add(type.asText());
        }
        type.forEach(t -> out.add(t.asText()));
        s.path("oneOf").forEach(o -> out.addAll(types(o)));
        if (s.has("const")) {
            out.add(s.get("const").isTextual() ? "string" : s.get("const").getNodeType().name().toLowerCase());
        }
        return out;
    }

    private List<String> enumValues(JsonNode schema) {
        JsonNode s = resolve(schema);
        if (s.has("enum")) {
            var values = new ArrayList<String>();
            s.get("enum").forEach(v -> values.add(v.asText()));
            return values;
        }
        for (JsonNode o : s.path("oneOf")) {
            List<String> values = enumValues(o);
            if (!values.isEmpty()) {
                return values;
            }
        }
        return List.of();
    }

    // ------------------------------------------------------------------ JSON against a schema

    /** What is wrong with {@code value} as an instance of the named schema; empty when it conforms. */
    List<String> check(JsonNode value, String name) {
        var problems = new ArrayList<String>();
        check(value, schema(name), name, problems);
        return problems;
    }

    private void check(JsonNode value, JsonNode schema, String at, List<String> problems) {
        JsonNode s = resolve(schema);
        if (s.isMissingNode()) {
            problems.add(at + ": the schema " + schema + " is not in the document");
            return;
        }
        if (s.has("oneOf")) {
            JsonNode discriminator = s.path("discriminator");
            if (discriminator.has("propertyName")) {
                String id = value.path(discriminator.get("propertyName").asText()).asText();
                JsonNode target = discriminator.path("mapping").path(id);
                if (!target.isTextual()) {
                    problems.add(at + ": " + discriminator.get("propertyName").asText() + " \"" + id
                            + "\" is none of " + names(discriminator.path("mapping")));
                    return;
                }
                String ref = target.asText();
                check(value, doc.at(ref.substring(1)), at + "(" + ref.substring(ref.lastIndexOf('/') + 1) + ")", problems);
            } else {
                int matching = 0;
                for (JsonNode option : s.get("oneOf")) {
                    var sub = new ArrayList<String>();
                    check(value, option, at, sub);
                    matching += sub.isEmpty() ? 1 : 0;
                }
                if (matching != 1) {
                    problems.add(at + ": " + value + " matches " + matching + " of the oneOf options, not exactly 1");
                }
            }
            return;
        }
        Set<String> types = types(s);
        if (!types.isEmpty() && !types.contains(kind(value))) {
            problems.add(at + ": " + value + " is a JSON " + kind(value) + ", not " + types);
            return;
        }
        if (s.has("const") && !s.get("const").equals(value)) {
            problems.add(at + ": " + value + " is not " + s.get("const"));
        }
        if (s.has("enum") && !value.isNull() && !contains(s.get("enum"), value)) {
            problems.add(at + ": " + value + " is none of " + s.get("enum"));
        }
        if (value.isNumber() && s.has("minimum") && value.asLong() < s.get("minimum").asLong()) {
            problems.add(at + ": " + value + " is below the minimum " + s.get("minimum"));
        }
        if (value.isNumber() && s.has("maximum") && value.asLong() > s.get("maximum").asLong()) {
            problems.add(at + ": " + value + " is above the maximum " + s.get("maximum"));
        }
        if (value.isObject()) {
            Merged m = merged(s);
            for (String r : m.required) {
                if (!value.has(r)) {
                    problems.add(at + ": the required field " + r + " is missing from " + value);
                }
            }
            value.properties().forEach(f -> {
                JsonNode property = m.properties.get(f.getKey());
                if (property == null) {
                    if (!m.properties.isEmpty()) {
                        problems.add(at + ": the field " + f.getKey() + " is not in the schema (it has " + m.properties.keySet() + ")");
                    }
                } else {
                    check(f.getValue(), property, at + "." + f.getKey(), problems);
                }
            });
        }
        if (value.isArray() && s.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), s.get("items"), at + "[" + i + "]", problems);
            }
        }
    }

    private static boolean contains(JsonNode array, JsonNode value) {
        for (JsonNode v : array) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> names(JsonNode object) {
        var out = new ArrayList<String>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** The JSON Schema type name of a value. */
    private static String kind(JsonNode value) {
        return switch (value.getNodeType()) {
            case NULL -> "null";
            case BOOLEAN -> "boolean";
            case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
            case STRING -> "string";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> value.getNodeType().name().toLowerCase();
        };
    }
}
