package io.tally.core.spi;

import io.tally.core.Clock;
import io.tally.core.FlushListener;
import io.tally.core.TallyConfig;
import java.util.List;
import java.util.Objects;

/** What a provider gets to build its stores, backend or tracker from. */
public interface ProviderContext {
  /**
   * Returns the configuration; a provider reads its declared keys with {@link
   * TallyConfig#get(io.tally.core.ConfigKey)}, others with {@link TallyConfig#property(String)}.
   *
   * @return the configuration
   */
  TallyConfig config();

  /**
   * Returns the opened stores.
   *
   * @return the stores, or {@code null} while the stores themselves are being opened
   */
  Stores stores();

  /**
   * Returns the clock every component must take its time and timers from.
   *
   * @return the clock
   */
  Clock clock();

  /**
   * Returns the flush listeners the application registered (through {@code TallyModule}'s {@code
   * Multibinder<FlushListener>}); a provider that builds a component hands each to it.
   *
   * @return the listeners, unmodifiable; empty by default
   */
  default List<FlushListener> flushListeners() {
    return List.of();
  }

  /**
   * Creates a context, for tests of a provider and for wiring without Guice.
   *
   * @param config the configuration
   * @param stores the opened stores, or {@code null} for a {@link StoreProvider}
   * @param clock the clock
   * @return the context
   * @throws NullPointerException if {@code config} or {@code clock} is null
   */
  static ProviderContext of(TallyConfig config, Stores stores, Clock clock) {
    return of(config, stores, clock, List.of());
  }

  /**
   * Creates a context whose {@link #flushListeners()} are {@code listeners}.
   *
   * @param config the configuration
   * @param stores the opened stores, or {@code null} for a {@link StoreProvider}
   * @param clock the clock
   * @param listeners the flush listeners, copied
   * @return the context
   * @throws NullPointerException if {@code config}, {@code clock}, {@code listeners} or one of them
   *     is null
   */
  static ProviderContext of(
      TallyConfig config, Stores stores, Clock clock, List<FlushListener> listeners) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    List<FlushListener> flushListeners = List.copyOf(listeners);
    return new ProviderContext() {
      @Override
      public TallyConfig config() {
        return config;
      }

      @Override
      public Stores stores() {
        return stores;
      }

      @Override
      public Clock clock() {
        return clock;
      }

      @Override
      public List<FlushListener> flushListeners() {
        return flushListeners;
      }

      @Override
      public String toString() {
        return "ProviderContext{stores=" + stores + ", clock=" + clock + '}';
      }
    };
  }
}
