package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input gets a clear error with the right code and changes nothing. */
class BadInputTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void idsOutsideUint32AreInvalidParameters() {
        for (String bad : new String[] {"abc", "0", "4294967296", "-1", "1.5"}) {
            var r = server.get("/sessions/" + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.error()).isEqualTo("INVALID_PARAMETER");
            assertThat(r.body().get("code").asInt()).isEqualTo(87);
            assertThat(r.body().get("message").asText()).contains(bad).contains("1 to 4294967295");
        }
        var batch = server.post("/sessions/close", "{\"ids\":[4294967296]}");
        assertThat(batch.status()).isEqualTo(400);
    }

    @Test
    void unknownFieldsAreRejectedByName() {
        var r = server.post("/sessions", "{\"command\":\"/bin/true\",\"colour\":\"red\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().get("message").asText()).contains("'colour'").contains("known fields").contains("command");
    }

    @Test
    void wrongTypesAndMalformedJsonAreRejected() {
        assertThat(server.post("/sessions", "{\"cols\":\"wide\"}").body().get("message").asText()).contains("'cols'");
        assertThat(server.post("/sessions", "{\"command\":").error()).isEqualTo("INVALID_PARAMETER");
        assertThat(server.post("/sessions/disconnect", "{\"ids\":[1],\"all\":true}").body().get("message").asText())
                .contains("not both");
        assertThat(server.post("/sessions/disconnect", "{}").error()).isEqualTo("INVALID_PARAMETER");
    }

    @Test
    void aProgramThatDoesNotExistIsRefusedAndNoSessionIsRecorded() {
        int before = server.get("/sessions?allStates=true").body().size();
        var r = server.post("/sessions", "{\"command\":\"no-such-program-xyz\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().get("message").asText()).isEqualTo("cannot start no-such-program-xyz: no such program in PATH");
        assertThat(server.get("/sessions?allStates=true").body().size()).isEqualTo(before);
    }

    @Test
    void bodiesOverSixtyFourKibAreTooLarge() {
        var r = server.post("/sessions", "{\"command\":\"/bin/true\",\"args\":[\"" + "x".repeat(70_000) + "\"]}");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("TOO_LARGE");
    }

    @Test
    void windowSizesOutsideTheTerminalRangeAreRefused() {
        var r = server.post("/sessions", "{\"command\":\"/bin/true\",\"cols\":0,\"rows\":24}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().get("message").asText()).contains("0x24");
    }

    @Test
    void unknownPathsAreNotFoundInTheSameShape() {
        var r = server.get("/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body().get("message").asText()).isEqualTo("no such API path: GET /api/v1/nothing-here");
    }

    @Test
    void theOpenApiDocumentIsServed() {
        var r = server.call("GET", "/openapi.yaml", null, null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).startsWith("openapi: 3.1.0");
    }

    @Test
    void aBrowserFromAnotherOriginCannotAttach() throws Exception {
        long id = server.shell("exec sleep 60");
        try (var socket = new java.net.Socket(server.url().getHost(), server.url().getPort())) {
            var out = socket.getOutputStream();
            out.write(("GET /api/v1/sessions/" + id + "/attach HTTP/1.1\r\nHost: " + server.url().getAuthority()
                    + "\r\nAuthorization: Bearer " + server.token + "\r\nOrigin: http://evil.example\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes());
            out.flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream())).readLine();
            assertThat(status).contains("403");
        }
    }
}
