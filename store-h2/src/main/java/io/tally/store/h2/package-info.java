/**
 * Tally's H2 stores (the embedded default): {@link io.tally.store.h2.H2Schema} names and migrates
 * the tables; each store takes a {@link javax.sql.DataSource} and a schema. H2 uses {@code MERGE}
 * statements and a lock row selected {@code FOR UPDATE} where PostgreSQL uses an advisory lock.
 */
package io.tally.store.h2;
