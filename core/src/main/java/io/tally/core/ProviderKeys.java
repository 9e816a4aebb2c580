package io.tally.core;

import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.TrackerProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Checks providers' declared keys ({@link ConfigKey}) against a configuration: bad values, and
 * keys under a provider's prefix that it does not declare. Providers that declare no key are not
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

  /**
   * The problems of one provider's keys: see {@link TallyConfig#keyProblems}.
   *
   * @param configuredNames every provider key configured, as spelled
   */
  static List<String> problems(
      TallyConfig config,
      String namespace,
      Collection<? extends ConfigKey<?>> keys,
      Collection<String> configuredNames) {
    Objects.requireNonNull(namespace, "namespace");
    List<String> problems = new ArrayList<>();
    Set<String> declared = new HashSet<>();
    List<String> names = new ArrayList<>();
    for (ConfigKey<?> key : keys) {
      Objects.requireNonNull(key, "key");
      declared.add(KeyHints.variable(key.name()));
      names.add(key.name());
      Optional<String> raw = config.property(key.name());
      if (raw.isPresent()) {
        String problem = problem(key, raw.get());
        if (problem != null) {
          problems.add(problem);
        }
      }
    }
    for (String configured : new TreeSet<>(configuredNames)) {
      if (configured.startsWith(namespace)
          && !declared.contains(KeyHints.variable(configured))) {
        String hint = KeyHints.hint(configured, names);
        problems.add(
            configured
                + " is not a known key"
                + (hint.isEmpty()
                    ? "; the keys under " + namespace + " are " + String.join(", ", names)
                    : hint));
      }
    }
    return Collections.unmodifiableList(problems);
  }

  private static <T> @Nullable String problem(ConfigKey<T> key, String raw) {
    T value;
    try {
      value = key.read(raw);
    } catch (IllegalArgumentException e) {
      return key.problem(raw, e.getMessage());
    }
    String broken = key.check(value);
    return broken == null ? null : key.problem(raw, broken);
  }
}
