/**
 * Tally's PostgreSQL stores: {@link io.tally.store.postgres.PostgresSchema} (versioned migrations
 * under {@code db/tally/postgres/}, serialised by an advisory lock) and the stores that write to
 * it, such as {@link io.tally.store.postgres.PostgresLastUsedStore}.
 *
 * <p>Choices: each store writes a batch with one statement whose rows arrive as array parameters
 * expanded by {@code unnest}, so a flush costs one round trip whatever its size; times are passed
 * as ISO-8601 text truncated to microseconds (PostgreSQL would round nanoseconds, possibly up) and
 * cast to {@code timestamptz}; rows are sorted by id so replicas take row locks in one order; ids
 * of Tally's own {@code last_used} table are stored as text so one table holds UUID, Long or String
 * keys. Errors are thrown as {@link io.tally.core.StoreException}s that name the table and the
 * SQLState, never the JDBC URL.
 */
package io.tally.store.postgres;
