package io.tally.testkit;

import com.google.inject.Module;
import com.google.inject.multibindings.OptionalBinder;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts a {@link Tally} before each test and closes it after, then checks
 * that every component accounted for everything it accepted ({@link
 * ConservationCheck#assertConserved(ComponentStats)}, on the stats after the final flush).
 *
 * <pre>{@code
 * @RegisterExtension
 * final TallyExtension tally = TallyExtension.builder().clock(clock).build(); // H2 in memory
 *
 * @Test
 * void records() {
 *   tally.get().lastUsed().markUsed(workspaceId);
 * }
 * }</pre>
 *
 * <p>By default Tally runs on a fresh H2 in-memory database per test (the {@code tally-store-h2}
 * module must be on the test class path), read back through {@link #jdbcUrl()} and dropped after
 * the test; a {@code tally.jdbc.url} set with {@link Builder#property} is used as it is; with
 * {@link Builder#postgres(PostgresDatabase)} it runs on the PostgreSQL fixture's schema (register
 * that fixture too, on a static field, and put {@code tally-store-postgres} on the class path).
 * Register this extension on an instance field. When the test failed, the conservation check is
 * skipped so that it does not bury the test's own failure.
 */
public final class TallyExtension implements BeforeEachCallback, AfterEachCallback {
  private final Map<String, String> properties;
  private final Clock clock;
  private final @Nullable PostgresDatabase postgres; // null: an in-memory H2 database
  private final List<Module> modules;
  private @Nullable Tally tally; // set in a test
  private @Nullable String jdbcUrl;
  private @Nullable String
      createdH2; // the in-memory database this extension made for the test, if any
  private List<ComponentStats> finalStats = List.of();

  private TallyExtension(Builder b) {
    this.properties = Map.copyOf(b.properties);
    this.clock = b.clock;
    this.postgres = b.postgres;
    this.modules = List.copyOf(b.modules);
  }

  /**
   * @return a builder: H2 in memory, the system clock, Tally's default configuration
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the running Tally of the current test.
   *
   * @return the Tally
   * @throws IllegalStateException outside a test
   */
  public Tally get() {
    if (tally == null) {
      throw new IllegalStateException(
          "TallyExtension has no running Tally: register it with @RegisterExtension on an"
              + " instance field, and call get() inside a test");
    }
    return tally;
  }

  /**
   * Returns the JDBC URL of the database the current test's Tally writes to, to read it back.
   *
   * @return the URL (for PostgreSQL, the fixture's URL with the class's schema)
   * @throws IllegalStateException outside a test
   */
  public String jdbcUrl() {
    get();
    return jdbcUrl;
  }

  /**
   * Returns every component's stats after the last test's Tally closed: what the conservation check
   * looked at.
   *
   * @return the stats, empty before the first test ends
   */
  public List<ComponentStats> finalStats() {
    return finalStats;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Map<String, String> values = new LinkedHashMap<>();
    createdH2 = null;
    if (postgres != null) {
      values.put("tally.jdbc.url", postgres.jdbcUrl());
      values.put("tally.jdbc.user", postgres.user());
      if (!postgres.password().isEmpty()) {
        values.put("tally.jdbc.password", postgres.password());
      }
    } else if (!properties.containsKey("tally.jdbc.url")) {
      createdH2 = "jdbc:h2:mem:tally-test-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
      values.put("tally.jdbc.url", createdH2);
    }
    values.putAll(properties);
    jdbcUrl = values.get("tally.jdbc.url");
    List<Module> all = new ArrayList<>(modules);
    if (clock != null) {
      all.add(
          binder ->
              OptionalBinder.newOptionalBinder(binder, Clock.class).setBinding().toInstance(clock));
    }
    tally = Tally.start(TallyConfig.from(values), all.toArray(new Module[0]));
  }

  @Override
  public void afterEach(ExtensionContext context) throws SQLException {
    Tally started = tally;
    tally = null;
    if (started == null) {
      return;
    }
    try {
      started.close();
      finalStats = started.stats();
    } finally {
      if (createdH2 != null) {
        dropH2(createdH2);
      }
    }
    if (context.getExecutionException().isPresent()) {
      return;
    }
    for (ComponentStats stats : finalStats) {
      ConservationCheck.assertConserved(stats);
    }
  }

  /** Frees the in-memory database, which {@code DB_CLOSE_DELAY=-1} keeps for the whole JVM. */
  private static void dropH2(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
  }

  /** Builds a {@link TallyExtension}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Clock clock;
    private @Nullable PostgresDatabase postgres;
    private final List<Module> modules = new ArrayList<>();

    private Builder() {}

    /**
     * Sets a configuration key, as in {@link TallyConfig#from(Map)}; it wins over what the
     * extension sets (the JDBC URL and credentials).
     *
     * @param key a {@code tally.*} key
     * @param value its value
     * @return this
     * @throws NullPointerException if an argument is null
     */
    public Builder property(String key, String value) {
      properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Runs every component on {@code clock}, for example a {@link ManualClock}.
     *
     * @param clock the clock
     * @return this
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Runs Tally on the PostgreSQL fixture's schema instead of H2.
     *
     * @param database the fixture, registered with {@code @RegisterExtension} on a static field
     * @return this
     * @throws NullPointerException if {@code database} is null
     */
    public Builder postgres(PostgresDatabase database) {
      this.postgres = Objects.requireNonNull(database, "database");
      return this;
    }

    /**
     * Adds Guice modules whose bindings win over Tally's, for example an extra backend or a flush
     * listener.
     *
     * @param overrides the modules
     * @return this
     * @throws NullPointerException if {@code overrides} or one of them is null
     */
    public Builder modules(Module... overrides) {
      for (Module m : overrides) {
        modules.add(Objects.requireNonNull(m, "module"));
      }
      return this;
    }

    /**
     * @return the extension
     */
    public TallyExtension build() {
      return new TallyExtension(this);
    }
  }
}
