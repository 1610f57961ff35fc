/**
 * The store: {@code SqliteStore} (core's store port over JDBC, migrated by Flyway),
 * {@code TinkVault} (credentials at rest) and {@code Argon2Hasher} (core's password port). The
 * migrations are resources in {@code db.migration.*}, opened so that Flyway can find and read them.
 * Flyway's module name, {@code flyway.core}, comes from its jar's file name: it declares none.
 */
// Tether's jars are automatic modules to the modules built after them (the parent pom says why, MJAR-289);
// Flyway and Tink are automatic modules too.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tether.store {
    requires transitive dev.tether.core;
    requires transitive dev.tether.api;
    requires java.sql;
    requires org.xerial.sqlitejdbc;
    requires flyway.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires com.google.crypto.tink;
    requires com.google.gson; // Tink's: as an automatic module it cannot say so itself
    requires org.bouncycastle.provider;
    requires org.slf4j;

    exports dev.tether.store;

    opens db.migration.common;
    opens db.migration.sqlite;
    opens db.migration.postgresql;
}
