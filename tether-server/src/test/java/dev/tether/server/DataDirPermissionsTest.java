package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data directory holds the administrator's token, the master key and the database: it and
 * everything in it are owner-only (0700, files 0600), whatever the umask, even when it existed.
 * An existing file loses its group and other bits only.
 */
class DataDirPermissionsTest {

    /**
     * Reproduction: {@code mkdir -m 0755 DIR; tether serve --data-dir DIR} left {@code tether.db},
     * {@code tether.db-wal} and {@code tether.db-shm} 0644 (and DIR 0755) with the usual umask 022;
     * only a directory the server created itself was 0700.
     */
    @Test
    void theDataDirectoryAndEveryFileInItAreOwnerOnlyEvenWhenTheDirectoryExistedBefore() throws Exception {
        Path dir = Files.createTempDirectory("tether-perms");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var server = new ServerFixture(dir)) {
            server.shell("exec sleep 60"); // something written, so the WAL and its index exist
            Map<String, String> modes = modes(dir);
            assertThat(modes).containsKeys("tether.db", "tether.db-wal", "tether.db-shm", "admin.token", "master.key",
                    "credentials.keyset");
            assertThat(modes).allSatisfy((name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
            assertThat(mode(dir)).isEqualTo("rwx------");
        }
    }

    /** An older run (or an operator's copy) left the files open to others: the next start closes them. */
    @Test
    void filesLeftReadableByOthersInTheDataDirectoryAreMadeOwnerOnlyAtTheNextStart() throws Exception {
        Path dir = Files.createTempDirectory("tether-perms");
        new ServerFixture(dir).server.close(); // stop without deleting the directory
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.createDirectories(dir.resolve("backup"));
        Files.writeString(dir.resolve("backup/admin.token.old"), "tth_old\n");
        Files.setPosixFilePermissions(dir.resolve("backup/admin.token.old"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.writeString(dir.resolve("backup/restore.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(dir.resolve("backup/restore.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var server = new ServerFixture(dir)) {
            // Only group and other bits go: the owner keeps what they had, execute included.
            assertThat(mode(dir.resolve("backup/restore.sh"))).isEqualTo("rwx------");
            Files.delete(dir.resolve("backup/restore.sh"));
            Map<String, String> modes = modes(dir);
            assertThat(modes).containsKeys("tether.db", "admin.token", "master.key", "backup/admin.token.old");
            assertThat(modes).allSatisfy((name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
            assertThat(mode(dir)).isEqualTo("rwx------");
            assertThat(mode(dir.resolve("backup"))).isEqualTo("rwx------");
        }
    }

    private static Map<String, String> modes(Path dir) throws IOException {
        var modes = new TreeMap<String, String>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> modes.put(dir.relativize(p).toString(), mode(p)));
        }
        return modes;
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
