package io.tally.core;

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
 * Checks the configured values under one namespace against the keys declared for it: bad values,
 * and configured keys the namespace does not declare (with a typo hint). Part of the configuration,
 * so it knows nothing of providers: {@link ProviderKeys} finds the selected providers' namespaces
 * and keys and asks {@link TallyConfig#keyProblems}, which asks this.
 */
@NullMarked
final class DeclaredKeys {
  private DeclaredKeys() {}

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
      if (configured.startsWith(namespace) && !declared.contains(KeyHints.variable(configured))) {
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
