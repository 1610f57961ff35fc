/**
 * The server, {@code TetherServer} started from a {@code ServerConfig}: REST, the attach WebSocket
 * and the event stream over Vert.x, on core with tether-pty's and tether-store's adapters. The
 * package is opened to Jackson, which binds its request and response records.
 */
// Tether's jars are automatic modules to the modules built after them (the parent pom says why, MJAR-289).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tether.server {
    requires transitive dev.tether.core;
    requires dev.tether.api;
    requires dev.tether.pty;
    requires dev.tether.store;
    requires io.vertx.core;
    requires io.vertx.web;
    requires io.netty.buffer;
    requires io.netty.codec.http;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.slf4j;
    requires jul.to.slf4j;

    exports dev.tether.server;

    opens dev.tether.server to com.fasterxml.jackson.databind;
}
