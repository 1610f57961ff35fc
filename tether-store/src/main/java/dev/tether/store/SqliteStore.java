package dev.tether.store;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.Store;
import dev.tether.core.store.WriteTx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded {@link Store}: one SQLite file, migrated by Flyway when opened.
 *
 * <p>Writes go through one writer thread ({@code tether-store-writer}) that group-commits up to
 * 257 queued writes per transaction, each under its own savepoint; at most 100,000 writes may
 * wait, beyond that a write fails as overloaded. Reads run on two threads
 * ({@code tether-store-reader-N}, at most 10,000 waiting), each with its own read-only
 * connection. The database runs in WAL mode with {@code synchronous=NORMAL}: a committed write
 * survives a crash of the process; a power loss or OS crash may lose the last commits but never
 * corrupts the file. {@code busy_timeout} is 5 s and foreign keys are enforced. Deleted
 * credentials leave no byte in the database or its {@code -wal} file: the writer runs with
 * {@code secure_delete} and checkpoints the log after such a commit (see {@link Writer}).
 *
 * <p>Write work, and the dependents of a write's future attached with non-async methods, run on
 * the writer thread: keep them short and never wait there for another write, which would wait
 * forever. The store's threads are daemons; call {@link #close()} to finish the queued writes.
 */
public final class SqliteStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
    static final int BUSY_TIMEOUT_MILLIS = 5_000;

    private final Path file;
    private final Writer writer;
    private final Readers readers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SqliteStore(Path file, Writer writer, Readers readers) {
        this.file = file;
        this.writer = writer;
        this.readers = readers;
    }

    /** Opens (creating the file and its directories when missing) and migrates the database at {@code databaseFile}. */
    public static SqliteStore open(Path databaseFile) {
        Path file = databaseFile.toAbsolutePath();
        String url = "jdbc:sqlite:" + file;
        List<Statements> opened = new ArrayList<>();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            ownerOnly(file);
            // The writer connection first: it creates the file and switches it to WAL for good.
            Statements writerConnection = new Statements(connect(url, /* readOnly= */ false));
            opened.add(writerConnection);
            int migrations = Vendor.of(url).migrate(url);
            List<Statements> readerConnections = new ArrayList<>();
            for (int i = 0; i < Readers.THREADS; i++) {
                Statements reader = new Statements(connect(url, /* readOnly= */ true));
                opened.add(reader);
                readerConnections.add(reader);
            }
            // SQLite gives -wal and -shm the mode of the database file; set it anyway, whatever the umask.
            for (String suffix : List.of("-wal", "-shm")) {
                Path companion = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(companion)) {
                    Files.setPosixFilePermissions(companion, OwnerOnlyFiles.OWNER_READ_WRITE);
                }
            }
            log.info("opened the store {} ({} migrations applied)", file, migrations);
            return new SqliteStore(file, new Writer(writerConnection), new Readers(readerConnections));
        } catch (IOException | SQLException | RuntimeException e) {
            opened.forEach(Statements::close);
            if (e instanceof TetherException tether) {
                throw tether;
            }
            throw new TetherException(ResultCode.INTERNAL, "cannot open the store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the file mode 0600, creating it empty (which SQLite takes as an empty database) when
     * missing, so the database is never readable by others, not even for a moment after creation.
     */
    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(OwnerOnlyFiles.OWNER_READ_WRITE));
        } catch (java.nio.file.FileAlreadyExistsException exists) {
            // set below
        }
        Files.setPosixFilePermissions(file, OwnerOnlyFiles.OWNER_READ_WRITE);
    }

    private static Connection connect(String url, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.enforceForeignKeys(true);
        if (readOnly) {
            config.setReadOnly(true);
        } else {
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            // Deleted content is overwritten with zeros, so deleted credentials leave no bytes behind.
            config.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
        }
        return config.createConnection(url);
    }

    @Override
    public <T> CompletableFuture<T> write(Function<WriteTx, T> work) {
        return writer.submit(work);
    }

    @Override
    public <T> CompletableFuture<T> read(Function<ReadTx, T> work) {
        return readers.submit(work);
    }

    @Override
    public void onCommit(Consumer<List<EventRecord>> listener) {
        writer.onCommit(listener);
    }

    /** Transactions committed so far; with group commit far fewer than writes. */
    long commits() {
        return writer.commits();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Writes first: their futures' dependents may still read.
        writer.close();
        readers.close();
        log.info("closed the store {}", file);
    }

    @Override
    public String toString() {
        return "SqliteStore[" + file + "]";
    }
}
