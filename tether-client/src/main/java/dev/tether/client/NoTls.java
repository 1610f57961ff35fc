package dev.tether.client;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS context of a client whose server is an {@code http://} URL: one that refuses to be used.
 * Without it the JDK's HttpClient sets up the default TLS context when it is built, which reads and
 * parses the JDK's trust store: about a third of a short CLI command's time, for a connection that
 * never speaks TLS. The client follows no redirects, so an {@code http://} client never reaches an
 * {@code https://} URL; if something ever tried, it fails with this class's sentence.
 */
final class NoTls {
    static final SSLContext CONTEXT = new SSLContext(new Refusing(), null, "none") { };

    /** Given with {@link #CONTEXT}, so the HttpClient does not ask the context for its defaults. */
    static SSLParameters parameters() {
        return new SSLParameters();
    }

    private NoTls() {
    }

    private static final class Refusing extends SSLContextSpi {
        private static IllegalStateException refused() {
            return new IllegalStateException("TLS is not set up: this client was built for an http:// server");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw refused();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw refused();
        }
    }
}
