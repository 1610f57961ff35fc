package dev.tether.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection and its prepared statements, cached by SQL text. Owned by exactly one thread
 * at a time (the writer, or the reader holding it), so it needs no locking.
 */
final class Statements implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Statements.class);

    private final Connection connection;
    private final Map<String, PreparedStatement> cache = new HashMap<>();

    Statements(Connection connection) {
        this.connection = connection;
    }

    PreparedStatement get(String sql) throws SQLException {
        PreparedStatement statement = cache.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            cache.put(sql, statement);
        }
        return statement;
    }

    /** Runs a statement without parameters or results: BEGIN, SAVEPOINT, COMMIT and the like. */
    void execute(String sql) throws SQLException {
        try {
            get(sql).execute();
        } catch (SQLException e) {
            discardAll();
            throw e;
        }
    }

    /**
     * Forgets every prepared statement; they are prepared again when next used. Called after any
     * failure: sqlite-jdbc can leave a statement whose execution failed unusable ("statement is
     * not executing") while {@code isClosed()} still says false, and re-preparing is cheap.
     */
    void discardAll() {
        for (PreparedStatement statement : cache.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                log.debug("closing a statement failed: {}", e.toString());
            }
        }
        cache.clear();
    }

    /** Runs {@code sql}, logging instead of throwing: for cleanup after a failure. */
    void executeQuietly(String sql) {
        try {
            execute(sql);
        } catch (SQLException | RuntimeException e) {
            log.debug("{} failed during cleanup: {}", sql, e.toString());
        }
    }

    @Override
    public void close() {
        discardAll();
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing a store connection failed", e);
        }
    }
}
