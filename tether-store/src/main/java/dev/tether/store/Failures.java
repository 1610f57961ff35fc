package dev.tether.store;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Turns JDBC failures into TetherExceptions whose message names the target. */
final class Failures {
    /** Session, request, connection, user and token ids are uint32 on the wire (DESIGN.md §1). */
    static final long MAX_ID = 0xFFFF_FFFFL;

    private Failures() {}

    /**
     * @param action what the store was doing, e.g. {@code insert}
     * @param target what it was doing it to, e.g. {@code user alice}
     */
    static TetherException of(SQLException e, String action, String target) {
        if (isConstraint(e, SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE, "23505")
                || isConstraint(e, SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY, "23505")) {
            return new TetherException(ResultCode.CONFLICT, "cannot " + action + " " + target + ": it already exists", e);
        }
        if (isConstraint(e, SQLiteErrorCode.SQLITE_CONSTRAINT_NOTNULL, "23502")) {
            return new TetherException(ResultCode.INVALID_PARAMETER,
                    "cannot " + action + " " + target + ": a required field is missing (" + e.getMessage() + ")", e);
        }
        if (isConstraint(e, SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY, "23503")) {
            return new TetherException(ResultCode.NOT_FOUND,
                    "cannot " + action + " " + target + ": it refers to a record that does not exist", e);
        }
        if (e instanceof SQLiteException sqlite && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_BUSY) {
            return new TetherException(ResultCode.TIMEOUT,
                    "cannot " + action + " " + target + ": the database stayed locked by another process", e);
        }
        return new TetherException(ResultCode.INTERNAL, "the store could not " + action + " " + target, e);
    }

    private static boolean isConstraint(SQLException e, SQLiteErrorCode sqliteCode, String sqlState) {
        if (e instanceof SQLiteException sqlite) {
            return sqlite.getResultCode() == sqliteCode;
        }
        return sqlState.equals(e.getSQLState());
    }

    /** Fails the insert (and so its write) when a uint32 id space is used up. */
    static long checkId(long id, String kind) {
        if (id > MAX_ID) {
            throw new TetherException(ResultCode.INTERNAL,
                    "cannot insert " + kind + ": " + kind + " ids exhausted (the next id, " + id
                            + ", is above the uint32 limit " + MAX_ID + ")");
        }
        return id;
    }
}
