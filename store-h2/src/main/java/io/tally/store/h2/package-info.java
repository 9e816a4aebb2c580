/**
 * Tally's H2 stores (the embedded default): {@link io.tally.store.h2.H2Schema} names and migrates
 * the tables; each store takes a {@link javax.sql.DataSource} and a schema. H2 uses {@code MERGE}
 * statements and a lock row selected {@code FOR UPDATE} where PostgreSQL uses an advisory lock.
 *
 * <p>{@link io.tally.store.h2.H2LastUsedStore} writes a batch with one {@code MERGE ... USING
 * (SELECT ... FROM UNNEST(?, ?))} statement (array parameters, one round trip whatever the batch
 * size) and retries it when it loses a race to insert a new id; times are stored as {@code
 * TIMESTAMP(6) WITH TIME ZONE}, truncated to microseconds in Java because H2 would round them up;
 * ids in Tally's own {@code last_used} table are stored as text so one table holds UUID, Long or
 * String keys.
 *
 * <p>{@link io.tally.store.h2.H2ConnectionLogStore} writes a batch in one transaction with two
 * batched {@code MERGE} statements (rows with a connection id matched on the unique key, the others
 * on {@code id}, insert only); H2 treats NULL connection ids as distinct in the unique constraint,
 * as PostgreSQL's partial index does.
 *
 * <p>Nullness: parameters, returns and fields are non-null unless marked {@code @Nullable}
 * (JSpecify).
 */
@NullMarked
package io.tally.store.h2;

import org.jspecify.annotations.NullMarked;
