package io.tally.core.spi;

import io.tally.core.ConfigKey;
import io.tally.core.TallyComponent;
import java.util.List;

/**
 * A named factory for an extra component that Tally starts and stops with its own, found with
 * {@link java.util.ServiceLoader} (register the class in {@code
 * META-INF/services/io.tally.core.spi.TrackerProvider}) and chosen by the {@code tally.trackers}
 * setting.
 *
 * <p>Tally instantiates every provider on the class path to learn its name, but calls {@link
 * #create} only on the configured ones, so a constructor must be cheap and do no I/O.
 */
public interface TrackerProvider {
  /**
   * Returns this provider's name, as listed in {@code tally.trackers}.
   *
   * @return a short lower-case name; never changes
   */
  String name();

  /**
   * Creates and starts the component. Called once, when Tally starts, after the built-in
   * components. Tally includes it in {@code stats()} and {@code health()} and closes it first when
   * it stops.
   *
   * @param context the configuration, the opened stores and the clock
   * @return the started component
   * @throws RuntimeException if it cannot be created; Tally's start fails with it
   */
  TallyComponent create(ProviderContext context);

  /**
   * Returns the keys this provider reads, each under {@code tally.tracker.<name>.}, so that Tally
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
