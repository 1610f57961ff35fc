package dev.tether.store;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The database vendors the store knows, each with its migration folders: the portable
 * {@code db/migration/common} plus the vendor's own. Versions are numbered across both folders
 * (V1 vendor tables, V2 common indexes, ...).
 */
enum Vendor {
    SQLITE("sqlite"),
    /** Farm mode; its tables are not written yet (see db/migration/postgresql/README.md). */
    POSTGRESQL("postgresql");

    private final String folder;

    Vendor(String folder) {
        this.folder = folder;
    }

    static Vendor of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER,
                "the store does not support the database " + jdbcUrl + ": use SQLite or PostgreSQL");
    }

    String[] migrationLocations() {
        return new String[] {"classpath:db/migration/common", "classpath:db/migration/" + folder};
    }

    /** Brings the schema at {@code jdbcUrl} up to date; returns how many migrations ran. */
    int migrate(String jdbcUrl) {
        MigrateResult result = Flyway.configure()
                .dataSource(jdbcUrl, null, null)
                .locations(migrationLocations())
                .load()
                .migrate();
        return result.migrationsExecuted;
    }
}
