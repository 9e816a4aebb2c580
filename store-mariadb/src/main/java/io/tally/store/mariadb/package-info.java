/**
 * Tally's MariaDB/MySQL stores ({@code jdbc:mariadb:} URLs, and {@code jdbc:mysql:} ones with the
 * MariaDB driver's {@code permitMysqlScheme}): a dialect of {@code tally-jdbc} and its SQL files,
 * not a copy of the stores. What it took: {@code MariaDbDialect} (197 lines with its javadoc),
 * {@code MariaDbSchema} (50), three thin store classes (150 together: factories and a builder),
 * {@code MariaDbStoreProvider} (118: the URL and the driver's settings; the pool is {@code
 * tally-jdbc}'s {@code HikariPools}), {@code MariaDbPrivileges} (164: the start-up privilege
 * check), and four SQL files under {@code db/tally/mariadb/} (93 lines). The algorithms
 * (exactly-once usage stats, last-used times that only move forward, connection-log upserts and
 * retention) are {@code tally-jdbc}'s.
 *
 * <p>Tables use InnoDB, {@code utf8mb4} with the binary collation (ids and names compare exactly),
 * {@code DATETIME(6)} in UTC and {@code CHAR(36)} UUIDs. Key columns stay within InnoDB's
 * 3,072-byte key limit: a last-used id is at most 255 characters, and the connection key holds the
 * SHA-256 of the agent name (up to 1,000 characters) in a stored generated column.
 *
 * <p>Nullness: parameters, returns and fields are non-null unless marked {@code @Nullable}
 * (JSpecify).
 */
@NullMarked
package io.tally.store.mariadb;

import org.jspecify.annotations.NullMarked;
