package io.tally.core;

import io.tally.core.spi.StoreProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the store provider: {@code tally.store} when it is set; without it and without {@code
 * tally.jdbc.url}, {@value TallyConfig#DEFAULT_STORE}; with a URL, the one provider (passed or
 * discovered) whose {@link StoreProvider#acceptsJdbcUrl} takes it. No provider or several is an
 * error that tells what to do; {@link KnownProviders}' hints say which built-in store would take
 * the URL, but never choose it.
 */
@NullMarked
final class StoreChoice {
  private StoreChoice() {}

  /**
   * Chooses the store's name.
   *
   * @param config the configuration
   * @param explicit the providers passed explicitly (they win over discovered ones of their name)
   * @param discovered the providers the loader found
   * @param problems receives the reason when no store can be chosen
   * @return the store's name, or null when a problem was added
   */
  static @Nullable String choose(
      TallyConfig config,
      List<StoreProvider> explicit,
      List<StoreProvider> discovered,
      List<String> problems) {
    Optional<String> configured = config.configuredStore();
    if (configured.isPresent()) {
      return configured.get();
    }
    Optional<String> url = config.jdbcUrl();
    if (url.isEmpty()) {
      return TallyConfig.DEFAULT_STORE;
    }
    Map<String, List<StoreProvider>> byName = new LinkedHashMap<>();
    for (StoreProvider p : explicit) {
      byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
    }
    Map<String, List<StoreProvider>> found = new LinkedHashMap<>();
    for (StoreProvider p : discovered) {
      found.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
    }
    found.forEach(byName::putIfAbsent);
    TreeSet<String> accepting = new TreeSet<>();
    for (Map.Entry<String, List<StoreProvider>> e : byName.entrySet()) {
      for (StoreProvider p : e.getValue()) {
        if (p.acceptsJdbcUrl(url.get())) {
          accepting.add(e.getKey());
        }
      }
    }
    if (accepting.size() == 1) {
      return accepting.first();
    }
    String scheme = KnownProviders.scheme(url.get());
    if (accepting.isEmpty()) {
      problems.add(
          "tally.store is not set and no StoreProvider takes tally.jdbc.url ('"
              + scheme
              + "'); found: "
              + (byName.isEmpty() ? "none" : String.join(", ", new TreeSet<>(byName.keySet())))
              + ". "
              + KnownProviders.urlHint(url.get()));
    } else {
      problems.add(
          "tally.store is not set and several StoreProviders take tally.jdbc.url ('"
              + scheme
              + "'): "
              + String.join(", ", accepting)
              + "; set tally.store to the one to use");
    }
    return null;
  }
}
