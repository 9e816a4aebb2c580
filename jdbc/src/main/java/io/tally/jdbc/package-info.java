/**
 * What every SQL store of Tally shares: {@link io.tally.jdbc.SqlMigrations} (versioned SQL files,
 * also runnable from a user's own Flyway or Liquibase: see there), {@link
 * io.tally.jdbc.Identifiers} (configured table and column names), {@link io.tally.jdbc.JdbcUrls} (a
 * URL's scheme and its redaction), {@link io.tally.jdbc.SqlStates} (transient vs data failures),
 * {@link io.tally.jdbc.GuardedDataSource} (bounded waits on every connection) and {@link
 * io.tally.jdbc.Transactions}.
 *
 * <p>Depends only on {@code tally-core}; the stores ({@code tally-store-postgres}, {@code
 * tally-store-h2}, {@code tally-store-mariadb}) depend on it.
 *
 * <p>Nullness: parameters, returns and fields are non-null unless marked {@code @Nullable}
 * (JSpecify).
 */
@NullMarked
package io.tally.jdbc;

import org.jspecify.annotations.NullMarked;
