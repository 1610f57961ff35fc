/**
 * {@code tether-bench}: the benchmarks against tmux, dtach and the raw PTY. The server under test
 * runs in its own JVM ({@code tether serve}), reached over real sockets only; from tether-server the
 * bench reads the version it reports, from tether-pty where the session keeper's pid is and how to
 * stop it. The {@code emulator} scenario runs tether-term's emulator in the bench's own JVM.
 * Nothing is exported: it is a program. Its raw-PTY baseline ({@code Pty}) calls native code,
 * allowed as tether-pty's is ({@code --enable-native-access}).
 */
// Tether's jars are automatic modules to the modules built after them (the parent pom says why, MJAR-289).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tether.bench {
    requires dev.tether.server;
    requires dev.tether.pty;
    requires dev.tether.term;
    requires io.vertx.core;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
}
