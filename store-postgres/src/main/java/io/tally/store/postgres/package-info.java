/**
 * Tally's PostgreSQL stores: {@link io.tally.store.postgres.PostgresSchema} names and migrates the
 * tables; each store takes a {@link javax.sql.DataSource} and a schema. Batches are written with
 * array parameters and {@code unnest}, one statement per table per flush; the usage-stats lock is
 * {@code pg_advisory_xact_lock}.
 */
package io.tally.store.postgres;
