package io.tally.core.spi;

import io.tally.core.TallyComponent;

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
   * components. Tally includes it in {@code stats()} and {@code health()} and closes it first
   * when it stops.
   *
   * @param context the configuration, the opened stores and the clock
   * @return the started component
   * @throws RuntimeException if it cannot be created; Tally's start fails with it
   */
  TallyComponent create(ProviderContext context);
}
