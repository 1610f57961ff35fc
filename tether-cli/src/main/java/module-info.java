/**
 * The {@code tether} command: picocli commands over the SDK, JLine for the terminal's raw mode, and
 * {@code serve}, which starts the server in this JVM. Nothing is exported: it is a program, and its
 * runnable jar is shaded and runs on the class path. The package is opened to picocli, which sets
 * the commands' annotated fields.
 */
// Tether's jars are automatic modules to the modules built after them (the parent pom says why, MJAR-289).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tether.cli {
    requires dev.tether.api;
    requires dev.tether.client;
    requires dev.tether.server;
    requires dev.tether.pty;
    requires info.picocli;
    requires org.jline.terminal;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires jdk.unsupported;

    opens dev.tether.cli to info.picocli;
}
