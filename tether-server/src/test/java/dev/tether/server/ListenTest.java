package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The server listens with one HTTP server per I/O thread on one port, and says why when it cannot. */
class ListenTest {

    @Test
    void aPortInUseIsRefusedWithConflict_namingTheAddressAndWhatToDo() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var config = new ServerConfig("127.0.0.1", taken.getLocalPort(), ServerFixture.newDataDir(), "listen-test",
                    64 * 1024, Duration.ofMillis(500), Duration.ofMillis(1500), InstantSource.system(), 3);
            assertThatThrownBy(() -> TetherServer.start(config))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.CONFLICT))
                    .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort()
                            + ": address already in use (is another Tether running? choose another with --listen)");
        }
    }

    @Test
    void severalIoThreadsServeOnePort_andEveryConnectionIsAnswered() throws Exception {
        try (var server = new ServerFixture(ServerFixture.newDataDir())) {
            var request = HttpRequest.newBuilder(server.server.url().resolve("/api/v1/server"))
                    .header("Authorization", "Bearer " + server.token).build();
            for (int i = 0; i < 8; i++) { // a fresh connection each, handed round robin to the servers
                try (var client = HttpClient.newHttpClient()) {
                    var answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).isEqualTo(200);
                    assertThat(answer.body()).contains("\"name\":\"test-server\"");
                }
            }
        }
    }
}
