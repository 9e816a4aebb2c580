package io.tally.core.spi;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.usagestats.UsageStatsStore;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The three stores one database provides, opened by a {@link StoreProvider}: last-used times, usage
 * statistics and the connection log, plus the schema migrations and the resources (a connection
 * pool, an embedded database) behind them.
 */
public interface Stores extends AutoCloseable {
  /**
   * @return the store of last-used times, keyed by UUID
   */
  LastUsedStore<UUID> lastUsed();

  /**
   * @return the store of per-replica usage statistics
   */
  UsageStatsStore usageStats();

  /**
   * @return the connection-log store
   */
  ConnectionLogStore connectionLog();

  /**
   * Applies the schema migrations the database lacks; applying them again changes nothing.
   *
   * @throws StoreException if a migration fails
   */
  void migrate();

  /**
   * Checks that the database user holds every privilege these stores need; {@code Tally.start}
   * calls it before the migrations and fails naming what is missing, instead of starting healthy
   * and failing every flush. The default finds nothing missing (a store that cannot tell).
   *
   * @param migrating whether the migrations will run ({@code tally.migrate-on-start}): then the
   *     user must also be allowed to create the tables that do not exist yet
   * @return one sentence per problem, naming the missing privilege and the table or schema (and the
   *     {@code GRANT} that fixes it); empty when nothing is missing
   * @throws StoreException if the database cannot be asked
   */
  default List<String> missingPrivileges(boolean migrating) {
    return List.of();
  }

  /**
   * Releases what the provider opened (its pool, its embedded database). A {@code DataSource} the
   * user passed in is left open. Idempotent.
   */
  @Override
  void close();

  /** Finds the privileges the database user lacks; see {@link Stores#missingPrivileges}. */
  @FunctionalInterface
  interface PrivilegeCheck {
    /**
     * Finds what is missing.
     *
     * @param migrating whether the migrations will run
     * @return one sentence per problem; empty when nothing is missing
     * @throws StoreException if the database cannot be asked
     */
    List<String> missing(boolean migrating);
  }

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
    return of(lastUsed, usageStats, connectionLog, migrate, migrating -> List.of(), onClose);
  }

  /**
   * Bundles three stores with a check of the database privileges they need.
   *
   * @param lastUsed the store of last-used times
   * @param usageStats the usage-statistics store
   * @param connectionLog the connection-log store
   * @param migrate applies the missing migrations of all three
   * @param privileges finds the privileges the database user lacks ({@link #missingPrivileges})
   * @param onClose releases their resources; called at most once
   * @return the bundle
   * @throws NullPointerException if an argument is null
   */
  static Stores of(
      LastUsedStore<UUID> lastUsed,
      UsageStatsStore usageStats,
      ConnectionLogStore connectionLog,
      Runnable migrate,
      PrivilegeCheck privileges,
      AutoCloseable onClose) {
    Objects.requireNonNull(privileges, "privileges");
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
      public List<String> missingPrivileges(boolean migrating) {
        return List.copyOf(privileges.missing(migrating));
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
