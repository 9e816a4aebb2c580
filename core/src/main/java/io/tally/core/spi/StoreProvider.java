package io.tally.core.spi;

import io.tally.core.ConfigKey;
import java.util.List;

/**
 * A named factory for a {@link Stores} bundle, found with {@link java.util.ServiceLoader} (register
 * the class in {@code META-INF/services/io.tally.core.spi.StoreProvider}) and chosen by the {@code
 * tally.store} setting.
 *
 * <p>Tally instantiates every provider on the class path to learn its name, but calls {@link #open}
 * only on the configured one, so a constructor must be cheap and do no I/O. A provider needs a
 * public no-argument constructor to be discovered; one with other constructors can be passed
 * explicitly (see {@code TallyModule.Builder}), and then wins over a discovered provider of the
 * same name.
 */
public interface StoreProvider {
  /**
   * Returns this provider's name, the value of {@code tally.store} that selects it.
   *
   * @return a short lower-case name such as {@code h2} or {@code postgres}; never changes
   */
  String name();

  /**
   * Opens the stores: creates the connection pool or database as configured. Called once, when
   * Tally starts; migrations run afterwards through {@link Stores#migrate()} when {@code
   * tally.migrate-on-start} is true.
   *
   * @param context the configuration and clock; {@link ProviderContext#stores()} is null here
   * @return the opened stores, which Tally closes last when it stops
   * @throws RuntimeException if the stores cannot be opened; Tally's start fails with it
   */
  Stores open(ProviderContext context);

  /**
   * Tells whether this provider's database is the one a JDBC URL names, so that Tally can choose
   * the store from {@code tally.jdbc.url} when {@code tally.store} is not set: the store is the one
   * provider that accepts the URL. A {@code default} method, so providers written before it still
   * compile; they are chosen only by name.
   *
   * @param jdbcUrl the configured {@code tally.jdbc.url}
   * @return whether this provider opens URLs like it; {@code false} unless overridden
   */
  default boolean acceptsJdbcUrl(String jdbcUrl) {
    return false;
  }

  /**
   * Returns the keys this provider reads, each under {@code tally.store.<name>.}, so that Tally
   * checks them when it starts, together with every other selected provider's and its own, and
   * reports every problem in one {@link io.tally.core.ConfigException}: values that cannot be read
   * or break their rule, and keys under that prefix that are not declared (with a "did you mean"
   * hint). Read them with {@link io.tally.core.TallyConfig#get(io.tally.core.ConfigKey)}. A {@code
   * default} method: a provider that declares no key (the default) is not checked, and reads its
   * keys with {@link io.tally.core.TallyConfig#property(String)}.
   *
   * @return this provider's keys; empty unless overridden
   */
  default List<ConfigKey<?>> keys() {
    return List.of();
  }
}
