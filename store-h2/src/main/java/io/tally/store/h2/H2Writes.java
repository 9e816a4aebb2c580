package io.tally.store.h2;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * How the H2 stores run an upsert: one writer at a time per database table in this JVM, and a few
 * more attempts when H2 reports a conflict with another writer.
 *
 * <p>Why serialise: H2's {@code MERGE} is not atomic against a concurrent insert of the same key
 * (two writers both miss the row, both insert, one fails with a duplicate key), and concurrent
 * transactions that touch overlapping rows in different orders wait on each other until H2's lock
 * timeout. Several replicas in one JVM (the demo; tests; a service running several Tally instances)
 * would keep failing and retrying. H2 serialises commits anyway, so one writer per table costs no
 * throughput. The lock is keyed by the database URL and the table, so store instances over
 * different pools of one database share it.
 *
 * <p>Why retry: writers in another JVM (H2 server mode) are not covered by the lock; a duplicate
 * key (23505), a deadlock (40001) or a lock timeout (HYT00) is retried up to {@value #MAX_ATTEMPTS}
 * times in all before the failure is thrown. Every statement the stores run is an idempotent
 * upsert, so repeating one is harmless.
 */
final class H2Writes {
  /** Attempts in all, the first included: {@value}. */
  static final int MAX_ATTEMPTS = 5;

  private static final Set<String> RETRYABLE = Set.of("23505", "40001", "HYT00");
  private static final ConcurrentMap<String, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  /** One write, given an open connection; the caller owns the transaction inside. */
  @FunctionalInterface
  interface Write {
    void run(Connection c) throws SQLException;
  }

  private H2Writes() {}

  /**
   * Runs {@code write} on a connection of {@code dataSource} while holding the JVM-wide lock of
   * {@code table}, retrying transient conflicts.
   *
   * @param dataSource the database
   * @param table the table written
   * @param write the write
   * @throws SQLException the last failure, with the earlier ones suppressed
   */
  static void run(DataSource dataSource, String table, Write write) throws SQLException {
    SQLException failure = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        ReentrantLock lock =
            LOCKS.computeIfAbsent(c.getMetaData().getURL() + "|" + table, k -> new ReentrantLock());
        lock.lockInterruptibly();
        try {
          write.run(c);
          return;
        } finally {
          lock.unlock();
        }
      } catch (SQLException e) {
        if (failure != null) {
          e.addSuppressed(failure);
        }
        failure = e;
        if (!isRetryable(e)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        SQLException interrupted =
            new SQLException("interrupted while waiting to write " + table, "HY008", e);
        if (failure != null) {
          interrupted.addSuppressed(failure);
        }
        throw interrupted;
      }
    }
    throw failure;
  }

  static boolean isRetryable(SQLException e) {
    String state = e.getSQLState();
    return state != null && RETRYABLE.contains(state);
  }
}
