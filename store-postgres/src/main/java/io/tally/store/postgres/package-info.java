/**
 * Tally's PostgreSQL stores: {@link io.tally.store.postgres.PostgresSchema} names and migrates the
 * tables; each store takes a {@link javax.sql.DataSource} and a schema. Batches are written with
 * array parameters and {@code unnest}, one statement per table per flush; the usage-stats lock is
 * {@code pg_advisory_xact_lock}.
 *
 * <p>{@link io.tally.store.postgres.PostgresLastUsedStore} passes times as ISO-8601 text truncated
 * to microseconds (PostgreSQL would round nanoseconds, possibly up) cast to {@code timestamptz};
 * sends rows sorted by id so replicas take row locks in one order; stores ids in Tally's own {@code
 * last_used} table as text so one table holds UUID, Long or String keys; and throws {@link
 * io.tally.core.StoreException}s that name the table and the SQLState, never the JDBC URL.
 *
 * <p>{@link io.tally.store.postgres.PostgresConnectionLogStore} upserts a batch in one statement
 * (two data-modifying CTEs over {@code unnest}ed arrays: {@code ON CONFLICT} on the partial unique
 * index for rows with a connection id, {@code ON CONFLICT (id) DO NOTHING} for the others, so a
 * retried batch is harmless); {@code ip} is {@code inet}. Unnest was measured against COPY into a
 * staging table and kept (docs/benchmarks.md).
 *
 * <p>Nullness: parameters, returns and fields are non-null unless marked {@code @Nullable}
 * (JSpecify).
 */
@NullMarked
package io.tally.store.postgres;

import org.jspecify.annotations.NullMarked;
