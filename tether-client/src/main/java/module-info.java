/**
 * The Java SDK: {@code TetherClient} over the REST API, the event stream and the attach WebSocket,
 * with {@code java.net.http}. It shares only tether-api with the server.
 */
module dev.tether.client {
    requires transitive dev.tether.api;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires transitive java.net.http;

    exports dev.tether.client;
    exports dev.tether.client.compat;
}
