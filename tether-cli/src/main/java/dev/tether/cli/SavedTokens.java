package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The tokens {@code tether login} saved: one per server, in {@code $XDG_CONFIG_HOME/tether/tokens}
 * (default {@code ~/.config/tether/tokens}), readable by the owner only (0600, in a 0700 directory).
 * The file is replaced atomically, so a reader never sees half of it. Next to each token it keeps
 * the user's name, so that a new login can say whose login it replaces.
 */
final class SavedTokens {
    static final String FILE_NAME = "tokens";

    private final Path file;

    SavedTokens(Path file) {
        this.file = file;
    }

    /** The user's file, wherever XDG says it lives. */
    static SavedTokens forUser() {
        return new SavedTokens(configDir().resolve(FILE_NAME));
    }

    static Path configDir() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("tether");
    }

    Path file() {
        return file;
    }

    /** The token saved for {@code server}, if any; an unreadable file counts as none. */
    Optional<String> lookup(URI server) {
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(load().getProperty(key(server))).filter(t -> !t.isBlank());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The user whose token is saved for {@code server}, if any and if known. */
    Optional<String> user(URI server) {
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        try {
            Properties tokens = load();
            return tokens.getProperty(key(server)) == null ? Optional.empty()
                    : Optional.ofNullable(tokens.getProperty(userKey(server)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Saves {@code user}'s {@code token} for {@code server}, replacing the one saved before. */
    void save(URI server, String user, String token) {
        update(tokens -> {
            tokens.setProperty(key(server), token);
            tokens.setProperty(userKey(server), user);
            return true;
        });
    }

    /** Forgets the token saved for {@code server}; false when none was saved. */
    boolean remove(URI server) {
        if (!Files.exists(file)) {
            return false;
        }
        return update(tokens -> {
            tokens.remove(userKey(server));
            return tokens.remove(key(server)) != null;
        });
    }

    /** Applies {@code change} to the saved tokens and writes them back if it says it changed something. */
    private boolean update(java.util.function.Predicate<Properties> change) {
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir.getParent());
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException raced) {
                    // another login made it first
                }
            }
            Properties tokens = Files.exists(file) ? load() : new Properties();
            if (!change.test(tokens)) {
                return false;
            }
            var text = new StringWriter();
            tokens.store(text, "tether login: one bearer token per server; keep this file private");
            Path temp = Files.createTempFile(dir, ".tokens", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                out.write(text.toString());
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot update the saved tokens in " + file + ": " + e.getMessage());
        }
    }

    private Properties load() throws IOException {
        var tokens = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            tokens.load(in);
        }
        return tokens;
    }

    private static String userKey(URI server) {
        return "user." + key(server);
    }

    /** {@code http://host:port}, lower-case, without a path: the same server however it was typed. */
    static String key(URI server) {
        int port = server.getPort() != -1 ? server.getPort() : "https".equalsIgnoreCase(server.getScheme()) ? 443 : 80;
        return server.getScheme().toLowerCase(Locale.ROOT) + "://" + server.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }
}
