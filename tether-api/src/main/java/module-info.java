/**
 * The wire model that the server, the SDK, the CLI and the web console share: result codes, ids,
 * REST bodies, events and the attach WebSocket's control messages. The JDK and Jackson's
 * annotations only.
 */
module dev.tether.api {
    requires transitive com.fasterxml.jackson.annotation;

    exports dev.tether.api;
}
