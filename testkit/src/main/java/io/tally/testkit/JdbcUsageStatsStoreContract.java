package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.jdbc.JdbcUsageStatsStore;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link UsageStatsStoreContract} for a store built on {@link JdbcUsageStatsStore}: each test gets
 * a store over tables of its own (a fresh table prefix), migrated before the test, and the contract
 * adds that migrating again changes nothing. A database gives how to build the store:
 *
 * <pre>{@code
 * class MyDbUsageStatsStoreTest extends JdbcUsageStatsStoreContract {
 *   @Override protected JdbcUsageStatsStore buildStore(String tablePrefix) {
 *     return new MyDbUsageStatsStore(db.dataSource(), MyDbSchema.withTablePrefix(tablePrefix));
 *   }
 * }
 * }</pre>
 */
public abstract class JdbcUsageStatsStoreContract extends UsageStatsStoreContract {
  // shared by every subclass in the JVM: tables of one test never meet another test's
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private @Nullable JdbcUsageStatsStore jdbcStore;

  /** Creates the contract. */
  protected JdbcUsageStatsStoreContract() {}

  /**
   * Builds a store whose tables carry {@code tablePrefix}, not yet migrated. Called before each
   * test, with a prefix never given before in this JVM.
   *
   * @param tablePrefix the table prefix, e.g. {@code "c7_"}
   * @return the store
   */
  protected abstract JdbcUsageStatsStore buildStore(String tablePrefix);

  /**
   * Checks the versions the first {@code migrate()} of a test's store applied. By default they must
   * not be empty; a store overrides it to name the versions it ships.
   *
   * @param applied the versions applied, in order
   */
  protected void assertFirstMigration(List<Integer> applied) {
    assertThat(applied).as("versions the first migrate() applied").isNotEmpty();
  }

  /**
   * Builds the test's store with {@link #buildStore(String)} and migrates it.
   *
   * @return the migrated store
   */
  @Override
  protected final UsageStatsStore newStore() {
    JdbcUsageStatsStore built = buildStore("c" + PREFIXES.incrementAndGet() + "_");
    jdbcStore = built;
    assertFirstMigration(built.migrate());
    return built;
  }

  /**
   * Returns the test's store, as built by {@link #buildStore(String)}.
   *
   * @return the store, migrated
   */
  protected final JdbcUsageStatsStore jdbcStore() {
    return Objects.requireNonNull(jdbcStore, "no store yet: newStore() runs before each test");
  }

  /** A second {@code migrate()} applies nothing. */
  @Test
  protected void migrateIsIdempotent() {
    assertThat(jdbcStore().migrate()).isEmpty();
  }
}
