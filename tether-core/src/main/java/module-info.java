/**
 * Tether's core: the live kernel ({@code dev.tether.core}: sessions, their connections and
 * messages, the event log, the composition root), the features beside it (accounts, workspaces,
 * requests) and the ports its adapters implement (store, terminal, time). It needs the JDK and
 * tether-api only. Every package is exported because another module uses it: the server all of
 * them, tether-store the store port, tether-pty the terminal port.
 */
module dev.tether.core {
    requires transitive dev.tether.api;
    requires java.logging;

    exports dev.tether.core;
    exports dev.tether.core.account;
    exports dev.tether.core.request;
    exports dev.tether.core.store;
    exports dev.tether.core.terminal;
    exports dev.tether.core.time;
    exports dev.tether.core.workspace;
}
