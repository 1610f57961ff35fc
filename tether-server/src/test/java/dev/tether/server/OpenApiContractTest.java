package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
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
}
