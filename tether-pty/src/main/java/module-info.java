/**
 * The PTY host of Linux, {@code NativePtyHost}: core's terminal port over the JDK's FFM API. Its
 * calls to native code are restricted methods, allowed at run time with
 * {@code --enable-native-access=dev.tether.pty} on the module path ({@code ALL-UNNAMED} on the
 * class path, where the CLI's jar runs); the descriptor declares nothing for them.
 */
// Tether's jars are automatic modules to the modules built after them (the parent pom says why, MJAR-289).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tether.pty {
    requires transitive dev.tether.core;
    requires dev.tether.api;
    requires dev.tether.term;
    requires org.slf4j;

    exports dev.tether.pty;
}
