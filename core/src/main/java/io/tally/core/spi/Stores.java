package io.tally.core.spi;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.usagestats.UsageStatsStore;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The three stores one database provides, opened by a {@link StoreProvider}: last-used times,
 * usage statistics and the connection log, plus the schema migrations and the resources (a
 * connection pool, an embedded database) behind them.
 */
public interface Stores extends AutoCloseable {
  /** @return the store of last-used times, keyed by UUID */
  LastUsedStore<UUID> lastUsed();

  /** @return the store of per-replica usage statistics */
  UsageStatsStore usageStats();

  /** @return the connection-log store */
  ConnectionLogStore connectionLog();

  /**
   * Applies the schema migrations the database lacks; applying them again changes nothing.
   *
   * @throws StoreException if a migration fails
   */
  void migrate();

  /**
   * Releases what the provider opened (its pool, its embedded database). A {@code DataSource} the
   * user passed in is left open. Idempotent.
   */
  @Override
  void close();

  /**
   * Bundles three stores.
   *
   * @param lastUsed the store of last-used times
   * @param usageStats the usage-statistics store
   * @param connectionLog the connection-log store
   * @param migrate applies the missing migrations of all three
   * @param onClose releases their resources; called at most once
   * @return the bundle
   * @throws NullPointerException if an argument is null
   */
  static Stores of(
      LastUsedStore<UUID> lastUsed,
      UsageStatsStore usageStats,
      ConnectionLogStore connectionLog,
      Runnable migrate,
      AutoCloseable onClose) {
    Objects.requireNonNull(lastUsed, "lastUsed");
    Objects.requireNonNull(usageStats, "usageStats");
    Objects.requireNonNull(connectionLog, "connectionLog");
    Objects.requireNonNull(migrate, "migrate");
    Objects.requireNonNull(onClose, "onClose");
    AtomicBoolean closed = new AtomicBoolean();
    return new Stores() {
      @Override
      public LastUsedStore<UUID> lastUsed() {
        return lastUsed;
      }

      @Override
      public UsageStatsStore usageStats() {
        return usageStats;
      }

      @Override
      public ConnectionLogStore connectionLog() {
        return connectionLog;
      }

      @Override
      public void migrate() {
        migrate.run();
      }

      @Override
      public void close() {
        if (closed.compareAndSet(false, true)) {
          try {
            onClose.close();
          } catch (RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new StoreException("closing the stores failed", e);
          }
        }
      }

      @Override
      public String toString() {
        return "Stores{" + lastUsed + ", " + usageStats + ", " + connectionLog + '}';
      }
    };
  }

  /**
   * Builds stores over a resource a provider has just opened (a connection pool, an embedded
   * database) and, if building them throws, closes the resource before rethrowing, so a failed
   * start leaks no connections or threads. A failure to close is added as suppressed.
   *
   * @param resource what the provider opened
   * @param open builds the stores over it
   * @return the stores
   * @throws NullPointerException if an argument is null
   */
  static Stores closingOnFailure(AutoCloseable resource, Supplier<Stores> open) {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(open, "open");
    try {
      return open.get();
    } catch (RuntimeException | Error e) {
      try {
        resource.close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }
}
