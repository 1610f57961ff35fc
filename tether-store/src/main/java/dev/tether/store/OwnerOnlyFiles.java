package dev.tether.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files that hold key material: created once with mode 0600 and complete contents, never
 * replaced. A key file that two processes race to create, or that a crash interrupts, must never
 * end up half written or swapped for another key: the content goes to a 0600 temporary file
 * first, is synced, and is then hard-linked to its name, which fails when the name exists.
 */
final class OwnerOnlyFiles {
    static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE);

    private OwnerOnlyFiles() {}

    /** Creates {@code target} with {@code content} and mode 0600; returns false, writing nothing, when it exists. */
    static boolean createOnce(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // The mode is set at creation, so the file is never readable by others, whatever the umask.
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", OWNER_ONLY);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.createLink(target, tmp);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException e) {
                // A file system without hard links: a move that refuses to replace, nearly as good.
                if (Files.exists(target)) {
                    return false;
                }
                Files.move(tmp, target);
            }
            syncDirectory(dir);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Whether group or others may read or write {@code file}. */
    static boolean openToOthers(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        permissions.removeAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        return !permissions.isEmpty();
    }

    /** Makes the new name durable; best effort, as some file systems cannot sync a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The file itself is synced; only its name may be lost in a crash, and it is created again.
        }
    }
}
