package io.tally.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the configuration of the process for {@link TallyConfig#fromEnvironment()}: {@code tally.*}
 * system properties, overridden by {@code TALLY_*} environment variables, layered by their variable
 * form so that {@code tally.batch.size} and {@code TALLY_BATCH_SIZE} are one setting.
 */
@NullMarked
final class EnvironmentConfig {
  private static final Logger log = LoggerFactory.getLogger(TallyConfig.class);

  private EnvironmentConfig() {}

  /**
   * Layers the system properties and the environment into the keys to set, in key order.
   *
   * @param systemProperties the system properties; those starting with {@code tally.} are used
   * @param environment the environment; variables starting with {@code TALLY_} are used
   * @param knownKey Tally's key for a variable, or null
   * @param isProviderKey whether a key belongs to a provider ({@code tally.backend.<name>.…})
   * @param reservedVariablePrefix variables to skip silently (reserved for test tooling)
   * @param hint the typo hint for a variable that names no key
   * @return the keys and their values
   */
  static Map<String, String> layer(
      Map<String, String> systemProperties,
      Map<String, String> environment,
      Function<String, @Nullable String> knownKey,
      Predicate<String> isProviderKey,
      String reservedVariablePrefix,
      Function<String, String> hint) {
    Objects.requireNonNull(systemProperties, "systemProperties");
    Objects.requireNonNull(environment, "environment");
    Map<String, String[]> merged = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(systemProperties).entrySet()) {
      if (e.getKey().startsWith("tally.")) {
        merged.put(KeyHints.variable(e.getKey()), new String[] {e.getKey(), e.getValue()});
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("TALLY_") || name.startsWith(reservedVariablePrefix)) {
        continue;
      }
      String key = knownKey.apply(name);
      String providerKey = name.toLowerCase(Locale.ROOT).replace('_', '.');
      if (key != null) {
        merged.put(name, new String[] {key, e.getValue()});
      } else if (isProviderKey.test(providerKey)) {
        merged.put(name, new String[] {providerKey, e.getValue()});
      } else {
        // Environment variables are a namespace shared with every other tool (TALLY_HOME, …):
        // name the variable, never its value, and go on.
        log.warn(
            "Ignoring environment variable {}: it is not a Tally setting{}",
            name,
            hint.apply(name));
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String[] kv : merged.values()) {
      out.put(kv[0], kv[1]);
    }
    return out;
  }
}
