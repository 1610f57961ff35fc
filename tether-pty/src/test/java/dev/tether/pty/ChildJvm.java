package dev.tether.pty;

import java.io.File;
import java.nio.file.Path;

/** What a test's child JVM needs to find this module's classes and its tests' own. */
final class ChildJvm {
    private ChildJvm() {}

    /**
     * This JVM's module and class path, as the keeper gets it, plus the test classes: on the module
     * path surefire patches them into the module, so neither property names them.
     */
    static String classPath() {
        return KeeperProcess.classPath() + File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath();
    }
}
