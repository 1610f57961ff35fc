package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tether.api.ControlMessage;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.StartWorkspace;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "The REST contract is written down": the OpenAPI 3.1 document the server serves at
 * {@code /api/v1/openapi.json} documents every route the server registers, and the server registers
 * every operation the document describes. Path parameters are compared by position only
 * ({@code :id}, {@code {id}}, {@code :wid} and {@code {workspaceId}} are all {@code {}}).
 */
class OpenApiContractTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    private static final String PREFIX = "/api/v1";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern VERTX_PARAM = Pattern.compile(":[^/]+");
    private static final Pattern OPENAPI_PARAM = Pattern.compile("\\{[^/}]*}");

    /** {@code /sessions/:id/attach} and {@code /sessions/{id}/attach} both become {@code /sessions/{}/attach}. */
    static String normalize(String path) {
        return OPENAPI_PARAM.matcher(VERTX_PARAM.matcher(path).replaceAll("{}")).replaceAll("{}");
    }

    /** "METHOD /api/v1/path" of every API route the server registered, parameters normalized. */
    private static Set<String> registered() {
        var routes = new TreeSet<String>();
        for (String route : server.server.routes()) {
            int space = route.indexOf(' ');
            String method = route.substring(0, space);
            String path = route.substring(space + 1);
            // Not API operations: anything outside /api/v1, and the catch-alls (the body handlers on
            // /api/v1/*, which Vert.x reports as "POST /api/v1/" and "DELETE /api/v1/").
            if (!path.startsWith(PREFIX + "/") || path.contains("*") || path.endsWith("/")) {
                continue;
            }
            routes.add(method + " " + normalize(path));
        }
        return routes;
    }

    private static JsonNode document() {
        var served = server.call("GET", "/openapi.json", null, null, null);
        assertThat(served.status()).as("GET /api/v1/openapi.json without a token").isEqualTo(200);
        return served.body();
    }

    /** The document's base path: the path of its first server URL. */
    private static String basePath(JsonNode doc) {
        return URI.create(doc.path("servers").path(0).path("url").asText()).getPath();
    }

    /** "METHOD /api/v1/path" -> the operation, for every operation the document describes. */
    private static Map<String, JsonNode> documented(JsonNode doc) {
        String base = basePath(doc);
        var operations = new TreeMap<String, JsonNode>();
        doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(field -> {
            if (HTTP_METHODS.contains(field.getKey())) {
                operations.put(field.getKey().toUpperCase() + " " + normalize(base + path.getKey()), field.getValue());
            }
        }));
        return operations;
    }

    @Test
    void theDocumentIsOpenApi31AndServedAsJsonAndYamlWithoutAToken() throws Exception {
        JsonNode json = document();
        assertThat(json.path("openapi").asText()).startsWith("3.1");
        assertThat(basePath(json)).isEqualTo(PREFIX);

        var yaml = server.call("GET", "/openapi.yaml", null, null, null);
        assertThat(yaml.status()).as("GET /api/v1/openapi.yaml without a token").isEqualTo(200);
        assertThat(new ObjectMapper(new YAMLFactory()).readTree(yaml.text())).as("the YAML and the JSON are one document").isEqualTo(json);
    }

    @Test
    void everyRouteTheServerRegistersIsDocumented() {
        Set<String> routes = registered();
        assertThat(routes).as("the API routes found among %s", server.server.routes())
                .contains("GET " + PREFIX + "/sessions/{}", "POST " + PREFIX + "/connections/{}/disconnect");
        var undocumented = new TreeSet<>(routes);
        undocumented.removeAll(documented(document()).keySet());
        assertThat(undocumented)
                .withFailMessage("routes the server registers that openapi.yaml does not document: %s", undocumented)
                .isEmpty();
    }

    @Test
    void everyDocumentedOperationIsRegistered() {
        var unregistered = new TreeSet<>(documented(document()).keySet());
        unregistered.removeAll(registered());
        assertThat(unregistered)
                .withFailMessage("operations openapi.yaml documents that the server does not register: %s", unregistered)
                .isEmpty();
    }

    @Test
    void exactlyTheOperationsDocumentedWithoutSecurityAnswerWithoutAToken() {
        JsonNode doc = document();
        JsonNode globalSecurity = doc.path("security");
        var wrong = new ArrayList<String>();
        documented(doc).forEach((operation, op) -> {
            boolean open = (op.has("security") ? op.get("security") : globalSecurity).isEmpty();
            int space = operation.indexOf(' ');
            String path = operation.substring(space + 1 + PREFIX.length()).replace("{}", "1");
            int status = server.call(operation.substring(0, space), path, null, null, null).status();
            if (open == (status == 401)) {
                wrong.add(operation + (open ? " is documented without security but answered 401"
                        : " is documented with bearer security but answered " + status + " without a token"));
            }
        });
        assertThat(wrong).withFailMessage("%s", wrong).isEmpty();
    }

    @Test
    void everyOperationHasAUniqueIdASummaryAndResponsesAndEveryReferenceResolves() {
        JsonNode doc = document();
        var ids = new HashSet<String>();
        var problems = new ArrayList<String>();
        documented(doc).forEach((operation, op) -> {
            String id = op.path("operationId").asText();
            if (id.isEmpty() || !ids.add(id)) {
                problems.add(operation + " has " + (id.isEmpty() ? "no operationId" : "the duplicate operationId " + id));
            }
            if (op.path("summary").asText().isBlank()) {
                problems.add(operation + " has no summary");
            }
            if (op.path("responses").isEmpty()) {
                problems.add(operation + " documents no response");
            }
        });
        unresolved(doc, doc, "", problems);
        assertThat(problems).withFailMessage("%s", problems).isEmpty();
    }

    private static void unresolved(JsonNode doc, JsonNode node, String at, List<String> problems) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if (field.getKey().equals("$ref")) {
                    String ref = field.getValue().asText();
                    if (!ref.startsWith("#/") || doc.at(ref.substring(1)).isMissingNode()) {
                        problems.add(at + " refers to " + ref + ", which is not in the document");
                    }
                } else {
                    unresolved(doc, field.getValue(), at + "/" + field.getKey(), problems);
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                unresolved(doc, node.get(i), at + "/" + i, problems);
            }
        }
    }

    /**
     * 401 and 413 are documented where they are answered. Reproduction: 401 was listed on 2 of the
     * 34 operations that answer it, 413 on none of the 22 that take a body.
     */
    @Test
    void everyOperationDocuments401IfItAnswers401WithoutAToken_and413IfItTakesABody() {
        JsonNode doc = document();
        var missing = new ArrayList<String>();
        String tooLarge = "{\"x\":\"" + "a".repeat(65 * 1024) + "\"}";
        documented(doc).forEach((operation, op) -> {
            int space = operation.indexOf(' ');
            String method = operation.substring(0, space);
            String path = operation.substring(space + 1 + PREFIX.length()).replace("{}", "1");
            if (server.call(method, path, null, null, null).status() == 401 && !op.path("responses").has("401")) {
                missing.add(operation + " answers 401 without a token but does not document it");
            }
            if (method.equals("POST") || method.equals("DELETE")) {
                int status = server.call(method, path, tooLarge, server.token, null).status();
                if (status != 413) {
                    missing.add(operation + " answered " + status + " to a 65 KiB body");
                } else if (!op.path("responses").has("413")) {
                    missing.add(operation + " answers 413 to a body over 64 KiB but does not document it");
                }
            }
        });
        assertThat(missing).withFailMessage("%s", missing).isEmpty();
    }

    /** Keys OpenAPI 3.1 and its JSON Schema dialect define; anything else in an object of the document is a typo or worse. */
    private static final Set<String> OPENAPI_KEYS = Set.of("openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks",
            "components", "security", "tags", "externalDocs", "title", "summary", "description", "termsOfService", "contact", "license",
            "version", "name", "url", "email", "identifier", "variables", "enum", "default", "$ref", "get", "put", "post", "delete",
            "options", "head", "patch", "trace", "parameters", "operationId", "requestBody", "responses", "callbacks", "deprecated", "in",
            "required", "allowEmptyValue", "style", "explode", "allowReserved", "schema", "example", "examples", "content", "encoding",
            "headers", "links", "contentType", "value", "externalValue", "operationRef", "server", "discriminator", "propertyName",
            "mapping", "xml", "namespace", "prefix", "attribute", "wrapped", "type", "scheme", "bearerFormat", "flows",
            "openIdConnectUrl", "schemas", "requestBodies", "securitySchemes", "pathItems", "$schema", "$id", "$defs", "$anchor",
            "$comment", "$dynamicRef", "$dynamicAnchor", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "properties",
            "additionalProperties", "patternProperties", "propertyNames", "items", "prefixItems", "contains", "unevaluatedItems",
            "unevaluatedProperties", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
            "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties",
            "minProperties", "dependentRequired", "dependentSchemas", "format", "readOnly", "writeOnly", "contentEncoding",
            "contentMediaType", "contentSchema");
    /** Keys whose object maps names (paths, property names, status codes, media types, ...) to objects. */
    private static final Set<String> NAMED_MAPS = Set.of("paths", "webhooks", "properties", "patternProperties", "$defs", "responses",
            "content", "headers", "examples", "encoding", "links", "callbacks", "variables", "schemas", "parameters", "requestBodies",
            "securitySchemes", "pathItems", "dependentSchemas", "dependentRequired", "mapping", "scopes");
    /** Keys whose values are data, not document structure. */
    private static final Set<String> DATA = Set.of("example", "default", "enum", "const", "security", "mapping", "dependentRequired");

    /**
     * No key outside OpenAPI. Reproduction: {@code whatIf}'s description "Report what would be done;
     * change nothing (the request is not stored, id 0)." was an unquoted YAML flow scalar, so the
     * comma ended it and the served JSON had {@code "id 0).": null} next to it (and
     * {@code "never returned.": null} in StartWorkspace.password).
     */
    @Test
    void noObjectInTheServedDocumentHasAKeyOpenApiDoesNotDefine() {
        var unknown = new ArrayList<String>();
        unknownKeys(document(), "", false, unknown);
        assertThat(unknown).withFailMessage("keys OpenAPI does not define: %s", unknown).isEmpty();

        // Control case: the bug as it was is caught.
        var bogus = new ArrayList<String>();
        var whatIf = Json.MAPPER.createObjectNode().put("type", "boolean");
        whatIf.putNull("id 0).");
        var schema = Json.MAPPER.createObjectNode();
        schema.putObject("properties").set("whatIf", whatIf);
        unknownKeys(schema, "", false, bogus);
        assertThat(bogus).containsExactly("/properties/whatIf/id 0).");
    }

    private static void unknownKeys(JsonNode node, String at, boolean named, List<String> unknown) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                unknownKeys(node.get(i), at + "/" + i, false, unknown);
            }
        } else if (node.isObject()) {
            node.properties().forEach(field -> {
                String key = field.getKey();
                if (!named && !OPENAPI_KEYS.contains(key) && !key.startsWith("x-")) {
                    unknown.add(at + "/" + key);
                } else if (named || !DATA.contains(key)) {
                    unknownKeys(field.getValue(), at + "/" + key, !named && NAMED_MAPS.contains(key) && field.getValue().isObject(), unknown);
                }
            });
        }
    }

    // ---------------------------------------------------------------- the wire model's schemas

    /**
     * Every event type of tether-api (the records {@link Event} permits, but {@link Event.Unknown}, which
     * is a reader's) has its {@code <type>Data} schema with exactly the fields the server writes, and
     * {@code Event} is a oneOf, discriminated by {@code type}, of {@code <type>Event} envelopes that
     * fix {@code type} and reference that data schema.
     */
    @Test
    void everyEventTypeInTetherApiHasItsDataSchemaWithExactlyItsFields_andTheEventSchemaReferencesIt() {
        List<String> problems = eventProblems(document());
        assertThat(problems).withFailMessage("%s", String.join("\n", problems)).isEmpty();
    }

    /**
     * Every control message of tether-api (the records of {@code ToClient} and {@code ToServer}, but
     * {@code Other}, which is a reader's) has its {@code Control<Record>} schema with exactly the fields
     * the server writes and {@code type} fixed to its {@code @JsonTypeName}, and {@code ControlToClient}
     * / {@code ControlToServer} are a oneOf, discriminated by {@code type}, of exactly those.
     */
    @Test
    void everyControlMessageInTetherApiHasItsSchemaWithExactlyItsFieldsAndType_andItsDirectionReferencesIt() {
        List<String> problems = controlProblems(document());
        assertThat(problems).withFailMessage("%s", String.join("\n", problems)).isEmpty();
    }

    /** Control cases: the two checks above fail on a document with one schema, field or reference taken away or added. */
    @Test
    void aMissingSchema_aMissingOrExtraField_aWrongType_orAMissingReference_failsTheWireModelChecks() {
        JsonNode doc = document();
        ObjectNode noSchema = doc.deepCopy();
        schemas(noSchema).remove("ConnectCompleteData");
        assertThat(eventProblems(noSchema)).anyMatch(p -> p.contains("no schema ConnectCompleteData"));

        ObjectNode noField = doc.deepCopy();
        ((ObjectNode) schemas(noField).path("DisconnectCompleteData").path("properties")).remove("reason");
        assertThat(eventProblems(noField)).anyMatch(p -> p.contains("DisconnectCompleteData") && p.contains("missing [reason]"));

        ObjectNode extraField = doc.deepCopy();
        ((ObjectNode) schemas(extraField).path("ControlAck").path("properties")).putObject("bogus").put("type", "string");
        assertThat(controlProblems(extraField)).anyMatch(p -> p.contains("ControlAck") && p.contains("not on the wire [bogus]"));

        ObjectNode wrongType = doc.deepCopy();
        ((ObjectNode) schemas(wrongType).path("SessionMessageSentData").path("properties").path("wait")).put("type", "string");
        assertThat(eventProblems(wrongType)).anyMatch(p -> p.contains("SessionMessageSentData") && p.contains("wait is [string]"));

        ObjectNode notNullable = doc.deepCopy();
        ((ObjectNode) schemas(notNullable).path("SessionClosedData").path("properties").path("exitCode")).put("type", "integer");
        assertThat(eventProblems(notNullable)).anyMatch(p -> p.contains("exitCode") && p.contains("must allow \"null\""));

        ObjectNode unreferenced = doc.deepCopy();
        ArrayNode toClient = (ArrayNode) schemas(unreferenced).path("ControlToClient").path("oneOf");
        for (int i = 0; i < toClient.size(); i++) {
            if (toClient.get(i).path("$ref").asText().endsWith("/ControlLock")) {
                toClient.remove(i);
            }
        }
        assertThat(controlProblems(unreferenced)).anyMatch(p -> p.contains("ControlToClient's oneOf does not reference ControlLock"));
    }

    private static ObjectNode schemas(ObjectNode doc) {
        return (ObjectNode) doc.path("components").path("schemas");
    }

    private static Set<String> refs(JsonNode oneOf) {
        var refs = new TreeSet<String>();
        oneOf.forEach(o -> refs.add(o.path("$ref").asText()));
        return refs;
    }

    static List<String> eventProblems(JsonNode doc) {
        var schemas = new WireSchemas(doc);
        var problems = new ArrayList<String>();
        JsonNode event = schemas.schema("Event");
        if (!event.path("discriminator").path("propertyName").asText().equals("type")) {
            problems.add("the Event schema is not discriminated by type");
        }
        Set<String> oneOf = refs(event.path("oneOf"));
        JsonNode mapping = event.path("discriminator").path("mapping");
        var envelopeFields = new ArrayList<String>();
        Json.MAPPER.valueToTree(new EventRecord(1, Instant.EPOCH, 1L, "alice", new Event.SessionUnlocked("alice")))
                .fieldNames().forEachRemaining(envelopeFields::add);
        var types = new TreeSet<String>();
        for (Class<?> record : Event.class.getPermittedSubclasses()) {
            if (record == Event.Unknown.class) {
                continue;
            }
            String type = record.getSimpleName();
            types.add(type);
            String envelope = type + "Event";
            if (!oneOf.contains(WireSchemas.ref(envelope))) {
                problems.add("Event's oneOf does not reference " + envelope);
            }
            if (!mapping.path(type).asText().equals(WireSchemas.ref(envelope))) {
                problems.add("Event's discriminator maps " + type + " to " + mapping.path(type) + ", not " + WireSchemas.ref(envelope));
            }
            if (schemas.schema(envelope).isMissingNode()) {
                problems.add("openapi.yaml has no schema " + envelope + " for the event type " + type);
            } else {
                var merged = schemas.merged(schemas.schema(envelope));
                if (!new ArrayList<>(merged.properties().keySet()).equals(envelopeFields)) {
                    problems.add(envelope + " has the properties " + merged.properties().keySet() + " but an event on the wire has "
                            + envelopeFields);
                }
                if (!merged.properties().getOrDefault("type", com.fasterxml.jackson.databind.node.MissingNode.getInstance()).path("const").asText().equals(type)) {
                    problems.add(envelope + " does not fix type to " + type);
                }
                if (!merged.properties().getOrDefault("data", com.fasterxml.jackson.databind.node.MissingNode.getInstance()).path("$ref").asText().equals(WireSchemas.ref(type + "Data"))) {
                    problems.add(envelope + "'s data is not a $ref to " + type + "Data");
                }
            }
            problems.addAll(schemas.recordProblems(type + "Data", record, null));
        }
        var stale = new TreeSet<String>();
        mapping.fieldNames().forEachRemaining(stale::add);
        stale.removeAll(types);
        if (!stale.isEmpty() || oneOf.size() != types.size()) {
            problems.add("Event documents " + oneOf.size() + " types (" + stale + " not in tether-api) for the " + types.size()
                    + " of tether-api");
        }
        return problems;
    }

    static List<String> controlProblems(JsonNode doc) {
        var schemas = new WireSchemas(doc);
        var problems = new ArrayList<String>();
        for (Class<?> direction : List.of(ControlMessage.ToClient.class, ControlMessage.ToServer.class)) {
            String union = "Control" + direction.getSimpleName();
            Map<String, Class<?>> subtypes = WireSchemas.subtypes(direction);
            Set<Class<?>> permitted = Arrays.stream(direction.getPermittedSubclasses())
                    .filter(c -> c != ControlMessage.Other.class).collect(Collectors.toSet());
            if (!permitted.equals(Set.copyOf(subtypes.values()))) {
                problems.add(direction.getSimpleName() + " permits " + permitted + " but its @JsonSubTypes lists " + subtypes.values());
            }
            JsonNode schema = schemas.schema(union);
            Set<String> oneOf = refs(schema.path("oneOf"));
            JsonNode mapping = schema.path("discriminator").path("mapping");
            if (!schema.path("discriminator").path("propertyName").asText().equals("type")) {
                problems.add(union + " is not discriminated by type");
            }
            subtypes.forEach((id, record) -> {
                String name = "Control" + record.getSimpleName();
                if (!oneOf.contains(WireSchemas.ref(name))) {
                    problems.add(union + "'s oneOf does not reference " + name);
                }
                if (!mapping.path(id).asText().equals(WireSchemas.ref(name))) {
                    problems.add(union + "'s discriminator maps " + id + " to " + mapping.path(id) + ", not " + WireSchemas.ref(name));
                }
                problems.addAll(schemas.recordProblems(name, record, id));
            });
            var stale = new TreeSet<String>();
            mapping.fieldNames().forEachRemaining(stale::add);
            stale.removeAll(subtypes.keySet());
            if (!stale.isEmpty() || oneOf.size() != subtypes.size()) {
                problems.add(union + " documents " + oneOf.size() + " messages (" + stale + " not in tether-api) for the "
                        + subtypes.size() + " of " + direction.getSimpleName());
            }
        }
        return problems;
    }
}
