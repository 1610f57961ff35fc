package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * A client for an {@code http://} server sets up no TLS: the JDK's default context reads and parses
 * the trust store, a third of a short CLI command's time (issue 9, §5). One for {@code https://} does.
 */
class PlainHttpTest {
    @Test
    void aClientForAnHttpServerUsesTheContextThatRefusesTls() {
        var http = new Http(URI.create("http://127.0.0.1:7420"), "t", 0, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(http.client().sslContext()).isSameAs(NoTls.CONTEXT);
        assertThatThrownBy(() -> NoTls.CONTEXT.createSSLEngine())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("http:// server");
    }

    @Test
    void aClientForAnHttpsServerUsesTheDefaultTlsContext() throws Exception {
        var http = new Http(URI.create("https://127.0.0.1:7420"), "t", 0, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(http.client().sslContext()).isSameAs(SSLContext.getDefault());
    }
}
