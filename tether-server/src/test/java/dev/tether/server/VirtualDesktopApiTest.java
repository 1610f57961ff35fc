package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Win32_VirtualDesktopSession: the properties, and methods that return 0 or the error code. */
class VirtualDesktopApiTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void aSessionReadsAsAVirtualDesktopSession() {
        long id = server.shell("exec sleep 60");
        TestTerminal t = TestTerminal.open(server.url(), server.token, id, "client=laptop-7");
        t.control("attached");
        JsonNode v = server.get("/sessions/" + id + "/virtual-desktop").body();
        assertThat(v.get("VMHostName").asText()).isEqualTo("test-server");
        assertThat(v.get("SessionId").asLong()).isEqualTo(id);
        assertThat(v.get("ConnectState").asInt()).isEqualTo(0);
        assertThat(v.get("UserName").asText()).isEqualTo("admin");
        assertThat(v.get("DomainName").asText()).isEqualTo("local");
        assertThat(v.get("CollectionId").asText()).isEqualTo("sh");
        assertThat(v.get("ClientMachineName").asText()).isEqualTo("laptop-7");
    }

    @Test
    void disconnect_returnsZeroOnSuccess() {
        long id = server.shell("exec sleep 60");
        server.attach(id).control("attached");
        JsonNode r = server.post("/sessions/" + id + "/virtual-desktop/disconnect", null).body();
        assertThat(r.get("ReturnValue").asLong()).isZero();
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void disconnect_returnsTheErrorCodeOnFailure() {
        JsonNode r = server.post("/sessions/4000000/virtual-desktop/disconnect", null).body();
        assertThat(r.get("ReturnValue").asLong()).isEqualTo(1168);
        long own = server.shell("exec sleep 60");
        JsonNode refused = server.call("POST", "/sessions/" + own + "/virtual-desktop/disconnect", null, server.token, own).body();
        assertThat(refused.get("ReturnValue").asLong()).isEqualTo(4317);
    }

    @Test
    void logoff_returnsZero_andTheSessionIsClosed() {
        long id = server.shell("exec sleep 60");
        assertThat(server.post("/sessions/" + id + "/virtual-desktop/logoff", null).body().get("ReturnValue").asLong()).isZero();
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("CLOSED");
    }

    @Test
    void sendMessage_returnsZeroWhenShown_andTheErrorCodeWithNoClient() {
        long id = server.shell("exec sleep 60");
        JsonNode none = server.post("/sessions/" + id + "/virtual-desktop/send-message", "{\"title\":\"T\",\"message\":\"M\"}").body();
        assertThat(none.get("ReturnValue").asLong()).isEqualTo(5023);
        TestTerminal t = server.attach(id);
        t.control("attached");
        JsonNode shown = server.post("/sessions/" + id + "/virtual-desktop/send-message", "{\"title\":\"T\",\"message\":\"M\"}").body();
        assertThat(shown.get("ReturnValue").asLong()).isZero();
        assertThat(t.control("message").get("title").asText()).isEqualTo("T");
    }
}
