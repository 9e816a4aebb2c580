package io.tally.core;

import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.TrackerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.NullMarked;

/**
 * Checks providers' declared keys ({@link ConfigKey}) against a configuration: bad values, and keys
 * under a provider's prefix that it does not declare. Providers that declare no key are not
 * checked: their keys pass through, read with {@link TallyConfig#property(String)}.
 */
@NullMarked
final class ProviderKeys {
  private ProviderKeys() {}

  /**
   * Checks the keys of every selected provider together.
   *
   * @return every problem, empty when there is none
   */
  static List<String> problems(
      TallyConfig config,
      List<StoreProvider> stores,
      List<BackendProvider> backends,
      List<TrackerProvider> trackers) {
    List<String> problems = new ArrayList<>();
    for (StoreProvider p : stores) {
      check(config, "StoreProvider", "tally.store.", p.name(), p.keys(), p, problems);
    }
    for (BackendProvider p : backends) {
      check(config, "BackendProvider", "tally.backend.", p.name(), p.keys(), p, problems);
    }
    for (TrackerProvider p : trackers) {
      check(config, "TrackerProvider", "tally.tracker.", p.name(), p.keys(), p, problems);
    }
    return problems;
  }

  private static void check(
      TallyConfig config,
      String spi,
      String prefix,
      String name,
      List<ConfigKey<?>> keys,
      Object provider,
      List<String> problems) {
    Objects.requireNonNull(keys, () -> provider.getClass().getName() + ".keys()");
    if (keys.isEmpty()) {
      return;
    }
    String namespace = prefix + name + ".";
    for (ConfigKey<?> key : keys) {
      if (!key.name().startsWith(namespace)) {
        problems.add(
            spi
                + " '"
                + name
                + "' ("
                + provider.getClass().getName()
                + ") declares "
                + key.name()
                + ", but its keys must start with "
                + namespace);
      }
    }
    problems.addAll(config.keyProblems(namespace, keys));
  }
}
