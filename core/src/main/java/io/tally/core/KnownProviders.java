package io.tally.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Tally knows about its own providers, for error messages: the artifact that holds each, the
 * JDBC URL prefixes each store accepts, and the driver each needs. Third-party providers are not
 * listed; the messages then say less.
 */
final class KnownProviders {
  private KnownProviders() {}

  /** A built-in store: its artifact, the URL prefixes it takes, its driver and its artifact. */
  static final class Store {
    final String name;
    final String artifact;
    final List<String> prefixes;
    final String driverClass;
    final String driverArtifact;

    Store(
        String name,
        String artifact,
        List<String> prefixes,
        String driverClass,
        String driverArtifact) {
      this.name = name;
      this.artifact = artifact;
      this.prefixes = prefixes;
      this.driverClass = driverClass;
      this.driverArtifact = driverArtifact;
    }

    boolean accepts(String url) {
      for (String p : prefixes) {
        if (url.startsWith(p)) {
          return true;
        }
      }
      return false;
    }

    String describe() {
      return name
          + " ("
          + artifact
          + ") takes "
          + String.join(" or ", prefixes)
          + (name.equals(TallyConfig.DEFAULT_STORE) ? " or no URL" : "");
    }
  }

  static final List<Store> STORES =
      List.of(
          new Store(
              "postgres",
              "io.tally:tally-store-postgres",
              List.of("jdbc:postgresql:"),
              "org.postgresql.Driver",
              "org.postgresql:postgresql"),
          new Store(
              "h2",
              "io.tally:tally-store-h2",
              List.of("jdbc:h2:"),
              "org.h2.Driver",
              "com.h2database:h2"),
          new Store(
              "mariadb",
              "io.tally:tally-store-mariadb",
              List.of("jdbc:mariadb:", "jdbc:mysql:"),
              "org.mariadb.jdbc.Driver",
              "org.mariadb.jdbc:mariadb-java-client"));

  static final Map<String, String> BACKENDS =
      Map.of("slog", "io.tally:tally-backend-slog", "nats", "io.tally:tally-backend-nats");

  static Optional<Store> store(String name) {
    for (Store s : STORES) {
      if (s.name.equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * @return every built-in store and the URLs it takes, for messages
   */
  static String storeUrls() {
    List<String> out = new ArrayList<>();
    for (Store s : STORES) {
      out.add(s.describe());
    }
    return String.join("; ", out);
  }

  /**
   * @param url a JDBC URL
   * @return its scheme for messages ({@code jdbc:postgres:}), never more of it: a URL may carry a
   *     password
   */
  static String scheme(String url) {
    int second = url.indexOf(':', url.indexOf(':') + 1);
    return second < 0 ? "(no jdbc:<driver>: prefix)" : url.substring(0, second + 1);
  }

  /**
   * What to say when no store provider on the class path takes a URL: the built-in store that would
   * take it and its artifact, or a near-miss of a built-in scheme. A hint only: the store is chosen
   * by the providers found, never from this list.
   *
   * @param url the configured {@code tally.jdbc.url}
   * @return sentences ending with the list of built-in stores; never more of the URL than its
   *     scheme
   */
  static String urlHint(String url) {
    StringBuilder m = new StringBuilder();
    Optional<Store> taker = STORES.stream().filter(s -> s.accepts(url)).findFirst();
    if (taker.isPresent()) {
      m.append("The ")
          .append(taker.get().name)
          .append(" store takes it: add ")
          .append(taker.get().artifact)
          .append(" to your dependencies, or set tally.store to the provider that takes it. ");
    } else {
      m.append("Fix the URL");
      String scheme = scheme(url);
      for (Store s : STORES) {
        for (String prefix : s.prefixes) {
          if (nearMiss(scheme, prefix)) {
            m.append(" (did you mean ").append(prefix).append("?)");
          }
        }
      }
      m.append(", or set tally.store to the provider that takes it. ");
    }
    return m.append("Built-in stores: ").append(storeUrls()).toString();
  }

  /**
   * The problem the class path shows before anything is opened: the JDBC driver of a built-in
   * store, missing.
   *
   * @param config the configuration
   * @param storeName the store chosen
   * @param loader finds the driver class
   * @return messages, empty when nothing is wrong
   */
  static List<String> storeProblems(TallyConfig config, String storeName, ClassLoader loader) {
    List<String> problems = new ArrayList<>();
    Optional<Store> store = store(storeName);
    Optional<String> url = config.jdbcUrl();
    if (store.isPresent() && url.isPresent() && store.get().accepts(url.get())) {
      try {
        Class.forName(store.get().driverClass, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        problems.add(
            "the "
                + store.get().name
                + " store needs the JDBC driver "
                + store.get().driverClass
                + ", which is not on the class path: add "
                + store.get().driverArtifact
                + " to your dependencies");
      }
    }
    return problems;
  }

  /**
   * @return whether {@code scheme} looks like a typo of {@code prefix}: same driver stem
   */
  private static boolean nearMiss(String scheme, String prefix) {
    String a = scheme.toLowerCase(java.util.Locale.ROOT);
    return !a.equals(prefix) && a.length() >= 9 && prefix.startsWith(a.substring(0, 9));
  }

  /**
   * @param name a store name that no provider on the class path has
   * @param config the configuration
   * @return what to add to the message: the artifact, and that the name is the default if it is
   */
  static String missingStore(String name, TallyConfig config) {
    StringBuilder hint = new StringBuilder();
    store(name)
        .ifPresent(s -> hint.append(". Add ").append(s.artifact).append(" to your dependencies"));
    if (config.configuredStore().isEmpty()) {
      hint.append(". tally.store was not set: '").append(name).append("' is the default");
    }
    return hint.toString();
  }

  /**
   * @param name a configured backend name that no provider on the class path has
   * @return what to add to the message: the artifact, if the backend is a built-in one
   */
  static String missingBackend(String name) {
    String artifact = BACKENDS.get(name);
    return artifact == null ? "" : ". Add " + artifact + " to your dependencies";
  }
}
