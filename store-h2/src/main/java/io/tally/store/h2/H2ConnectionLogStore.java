package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.jdbc.JdbcConnectionLogStore;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} on H2: table {@code <prefix>connection_log}.
 *
 * <p>A batch is written in one transaction with two batched {@code MERGE} statements: one for
 * events with a connection id (matched on {@code (connection_id, workspace_id, agent_name)}, the
 * upsert rules of {@link ConnectionLogStore} as {@code CASE} expressions) and one for events
 * without (matched on {@code id}, insert only, so a retried batch inserts nothing twice). Events of
 * one row are merged first ({@link ConnectionEvents#coalesceForStore(List)}).
 *
 * <p>Retention: {@link #deleteOlderThan(Instant, int)} is one {@code DELETE … WHERE id IN (SELECT
 * id … WHERE connect_time < ? ORDER BY connect_time LIMIT ?)} in a transaction of its own, run like
 * an upsert (one writer per table in this JVM, so an upsert waits at most for one batch). H2 has no
 * advisory locks: the retention lock is a lock per database URL and table in this JVM, which covers
 * every replica of an embedded database. Replicas in several JVMs sharing an H2 server are not
 * covered: their runs may overlap, which deletes nothing wrongly, only twice the work. Thread-safe.
 */
public final class H2ConnectionLogStore extends JdbcConnectionLogStore {
  /**
   * Creates the store on the default schema ({@link H2Schema#defaults()}).
   *
   * @param dataSource the database
   */
  public H2ConnectionLogStore(DataSource dataSource) {
    this(dataSource, H2Schema.defaults());
  }

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the table
   */
  public H2ConnectionLogStore(DataSource dataSource, H2Schema schema) {
    super(dataSource, H2Dialect.INSTANCE, schema);
  }

  /**
   * Creates the store on the default schema ({@link H2Schema#defaults()}); the same as the
   * one-argument constructor, in the {@code create} form every Tally store offers.
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static H2ConnectionLogStore create(DataSource dataSource) {
    return new H2ConnectionLogStore(dataSource);
  }

  /**
   * Creates the store on {@code schema}, which names its table.
   *
   * @param dataSource the database
   * @param schema names the table
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if an argument is null
   */
  public static H2ConnectionLogStore create(DataSource dataSource, H2Schema schema) {
    return new H2ConnectionLogStore(dataSource, schema);
  }
}
