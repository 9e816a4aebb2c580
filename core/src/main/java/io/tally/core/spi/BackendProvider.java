package io.tally.core.spi;

import io.tally.core.ConfigKey;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import java.util.List;

/**
 * A named factory for a connection-log {@link Backend}, found with {@link java.util.ServiceLoader}
 * (register the class in {@code META-INF/services/io.tally.core.spi.BackendProvider}) and chosen by
 * the {@code tally.backends} setting. Tally writes every connection event to each configured
 * backend through one fan-out.
 *
 * <p>Tally instantiates every provider on the class path to learn its name, but calls {@link
 * #create} only on the configured ones, so a constructor must be cheap and do no I/O. A provider's
 * own settings live under {@code tally.backend.<name>.}: declared by {@link #keys()} and read with
 * {@link io.tally.core.TallyConfig#get(io.tally.core.ConfigKey)}, or, undeclared, read with {@link
 * io.tally.core.TallyConfig#property(String)}.
 */
public interface BackendProvider {
  /**
   * Returns this provider's name, as listed in {@code tally.backends}.
   *
   * @return a short lower-case name such as {@code db} or {@code slog}; never changes
   */
  String name();

  /**
   * Creates the backend. Called once, when Tally starts, after the stores are open. Tally closes
   * the backend (if it is {@link AutoCloseable}) when it stops; a backend that is also a {@link
   * io.tally.core.TallyComponent} is included in {@code Tally.stats()} and {@code health()}.
   *
   * @param context the configuration, the opened stores and the clock
   * @return the backend
   * @throws RuntimeException if the backend cannot be created; Tally's start fails with it
   */
  Backend<ConnectionEvent> create(ProviderContext context);

  /**
   * Returns the keys this provider reads, each under {@code tally.backend.<name>.}, so that Tally
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
