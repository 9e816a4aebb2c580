package io.tally.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * One configuration key: its name, how its string form is read and written, its default and the
 * rule its value must follow. Immutable and thread-safe.
 *
 * <p>Tally's own keys are defined with these factories, and so are a provider's: a {@link
 * io.tally.core.spi.StoreProvider}, {@link io.tally.core.spi.BackendProvider} or {@link
 * io.tally.core.spi.TrackerProvider} lists its keys in {@code keys()}, under {@code
 * tally.store.<name>.}, {@code tally.backend.<name>.} or {@code tally.tracker.<name>.}. When Tally
 * starts, it checks the keys of every selected provider together and reports every problem in one
 * {@link ConfigException}: values that cannot be read or break their rule, and keys under the
 * provider's prefix that it does not declare (a typo, with a "did you mean" hint). A provider reads
 * its values with {@link TallyConfig#get(ConfigKey)} or {@link TallyConfig#find(ConfigKey)}:
 *
 * <pre>{@code
 * static final ConfigKey<Duration> TIMEOUT =
 *     ConfigKey.duration("tally.backend.jsonl.timeout", Duration.ofSeconds(5));
 * public List<ConfigKey<?>> keys() { return List.of(TIMEOUT); }
 * ... context.config().get(TIMEOUT) ...
 * }</pre>
 *
 * <p>Values are read as {@link TallyConfig} reads its own: durations {@code 250ms}, {@code 5s},
 * {@code 1m}, {@code 2h}, {@code 1d} or ISO-8601, positive and at most {@code 365d}; booleans
 * {@code true} or {@code false}; lists comma-separated; choices in any case, {@code _} or {@code
 * -}. A problem reads {@code <key> was '<value>' but <rule>}; a secret key's value shows as {@code
 * ****}.
 *
 * @param <T> the type of the key's value
 */
@NullMarked
public final class ConfigKey<T> {
  private static final Pattern NAME = Pattern.compile("tally(\\.[a-z0-9][a-z0-9_-]*)+");
  private static final String MASK = "****";

  private final String name;
  private final Function<String, T> parser;
  private final Function<T, String> formatter;
  private final @Nullable T defaultValue;
  private final List<Function<T, @Nullable String>> rules;
  private final boolean secret;

  private ConfigKey(
      String name,
      Function<String, T> parser,
      Function<T, String> formatter,
      @Nullable T defaultValue,
      List<Function<T, @Nullable String>> rules,
      boolean secret) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name was '"
              + name
              + "' but must be tally. followed by dot-separated lower-case words (letters,"
              + " digits, '-' and '_')");
    }
    this.name = name;
    this.parser = parser;
    this.formatter = formatter;
    this.rules = List.copyOf(rules);
    this.secret = secret;
    if (defaultValue != null) {
      String broken = check(defaultValue);
      if (broken != null) {
        throw new IllegalArgumentException(
            name + "'s default '" + formatter.apply(defaultValue) + "' " + broken);
      }
    }
    this.defaultValue = defaultValue;
  }

  static <T> ConfigKey<T> of(
      String name,
      Function<String, T> parser,
      Function<T, String> formatter,
      @Nullable T defaultValue,
      @Nullable Function<T, @Nullable String> rule,
      boolean secret) {
    return new ConfigKey<>(
        name, parser, formatter, defaultValue, rule == null ? List.of() : List.of(rule), secret);
  }

  /**
   * A free-text key without a rule.
   *
   * @param name the key, e.g. {@code tally.backend.jsonl.file}
   * @param defaultValue its default, or null for none
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case
   */
  public static ConfigKey<String> text(String name, @Nullable String defaultValue) {
    return of(name, Function.identity(), Function.identity(), defaultValue, null, false);
  }

  /**
   * A text key whose value must follow a rule.
   *
   * @param name the key
   * @param defaultValue its default, or null for none; must follow the rule
   * @param rule tells whether a value is acceptable
   * @param ruleText the rule in words, completing "{@code <key> was '<value>' but }", e.g. {@code
   *     must not be empty}
   * @return the key
   * @throws NullPointerException if {@code name}, {@code rule} or {@code ruleText} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case, or
   *     the default breaks the rule
   */
  public static ConfigKey<String> text(
      String name, @Nullable String defaultValue, Predicate<String> rule, String ruleText) {
    return of(
        name, Function.identity(), Function.identity(), defaultValue, rule(rule, ruleText), false);
  }

  /**
   * A secret text key (a password, a token): never shown in messages nor by {@link
   * TallyConfig#toString()}; no default.
   *
   * @param name the key, e.g. {@code tally.backend.nats.token}
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case
   */
  public static ConfigKey<String> secret(String name) {
    return of(name, Function.identity(), Function.identity(), null, null, true);
  }

  /**
   * A boolean key: {@code true} or {@code false}, in any case.
   *
   * @param name the key
   * @param defaultValue its default
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case
   */
  public static ConfigKey<Boolean> flag(String name, boolean defaultValue) {
    return of(name, ConfigValues::parseBoolean, String::valueOf, defaultValue, null, false);
  }

  /**
   * A duration key: {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d} or ISO-8601
   * ({@code PT5S}); positive and at most {@link TallyConfig#MAX_DURATION} (365 days).
   *
   * @param name the key
   * @param defaultValue its default, or null for none
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case, or
   *     the default is not positive or longer than 365 days
   */
  public static ConfigKey<Duration> duration(String name, @Nullable Duration defaultValue) {
    return of(
        name,
        ConfigValues::parseDuration,
        ConfigValues::formatDuration,
        defaultValue,
        ConfigValues::durationRule,
        false);
  }

  /**
   * An integer key with bounds.
   *
   * @param name the key
   * @param defaultValue its default, or null for none; within the bounds
   * @param min the smallest value allowed
   * @param max the largest value allowed, at least {@code min}
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case,
   *     {@code max < min}, or the default is out of bounds
   */
  public static ConfigKey<Integer> integer(
      String name, @Nullable Integer defaultValue, int min, int max) {
    return bounded(name, ConfigValues::parseInt, defaultValue, min, max);
  }

  /**
   * A {@code long} key with bounds, for sizes past {@code int} (bytes, message counts).
   *
   * @param name the key
   * @param defaultValue its default, or null for none; within the bounds
   * @param min the smallest value allowed
   * @param max the largest value allowed, at least {@code min}
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case,
   *     {@code max < min}, or the default is out of bounds
   */
  public static ConfigKey<Long> longInteger(
      String name, @Nullable Long defaultValue, long min, long max) {
    return bounded(name, ConfigValues::parseLong, defaultValue, min, max);
  }

  /**
   * A key whose value is one constant of an enum, written in lower case with {@code -} for {@code
   * _} ({@code flush-time} for {@code FLUSH_TIME}); read in any case, with {@code -} or {@code _}.
   *
   * @param <E> the enum
   * @param name the key
   * @param type the enum's class
   * @param defaultValue its default, or null for none
   * @return the key
   * @throws NullPointerException if {@code name} or {@code type} is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case
   */
  public static <E extends Enum<E>> ConfigKey<E> choice(
      String name, Class<E> type, @Nullable E defaultValue) {
    Objects.requireNonNull(type, "type");
    Map<String, E> byName = new LinkedHashMap<>();
    for (E e : type.getEnumConstants()) {
      byName.put(ConfigValues.spell(e), e);
    }
    return of(name, lookup(byName), ConfigValues::spell, defaultValue, null, false);
  }

  /**
   * A key whose value is one of a few strings, matched in any case with {@code -} or {@code _}; the
   * value read is the allowed string as given here.
   *
   * @param name the key
   * @param defaultValue its default, or null for none; one of {@code allowed}
   * @param allowed the values allowed, at least one
   * @return the key
   * @throws NullPointerException if {@code name}, {@code allowed} or one of them is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case,
   *     {@code allowed} is empty, or the default is not one of them
   */
  public static ConfigKey<String> choice(
      String name, @Nullable String defaultValue, String... allowed) {
    Objects.requireNonNull(allowed, "allowed");
    if (allowed.length == 0) {
      throw new IllegalArgumentException("allowed was empty but must hold at least one value");
    }
    Map<String, String> byName = new LinkedHashMap<>();
    for (String a : allowed) {
      byName.put(ConfigValues.spell(Objects.requireNonNull(a, "allowed value")), a);
    }
    Function<String, String> parser = lookup(byName);
    return of(
        name,
        parser,
        Function.identity(),
        defaultValue,
        v -> byName.containsValue(v) ? null : ruleOf(byName),
        false);
  }

  /**
   * A comma-separated list of strings; blanks around elements and empty elements are dropped.
   *
   * @param name the key
   * @param defaultValue its default
   * @return the key
   * @throws NullPointerException if {@code name}, {@code defaultValue} or an element is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case
   */
  public static ConfigKey<List<String>> list(String name, List<String> defaultValue) {
    return of(
        name,
        ConfigValues::parseList,
        ConfigValues::formatList,
        List.copyOf(defaultValue),
        null,
        false);
  }

  /**
   * A comma-separated list of strings whose value must follow a rule.
   *
   * @param name the key
   * @param defaultValue its default; must follow the rule
   * @param rule tells whether a list is acceptable
   * @param ruleText the rule in words, completing "{@code <key> was '<value>' but }"
   * @return the key
   * @throws NullPointerException if an argument or an element of the default is null
   * @throws IllegalArgumentException if {@code name} is not a {@code tally.} key in lower case, or
   *     the default breaks the rule
   */
  public static ConfigKey<List<String>> list(
      String name, List<String> defaultValue, Predicate<List<String>> rule, String ruleText) {
    return of(
        name,
        ConfigValues::parseList,
        ConfigValues::formatList,
        List.copyOf(defaultValue),
        rule(rule, ruleText),
        false);
  }

  /**
   * Returns a key like this one whose values must also follow {@code rule}.
   *
   * @param rule tells whether a value is acceptable
   * @param ruleText the rule in words, completing "{@code <key> was '<value>' but }"
   * @return the new key; this one is unchanged
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the default breaks the rule
   */
  public ConfigKey<T> withRule(Predicate<T> rule, String ruleText) {
    List<Function<T, @Nullable String>> all = new ArrayList<>(rules);
    all.add(rule(rule, ruleText));
    return new ConfigKey<>(name, parser, formatter, defaultValue, all, secret);
  }

  /**
   * Returns the key's name.
   *
   * @return the full key, e.g. {@code tally.backend.slog.level}
   */
  public String name() {
    return name;
  }

  /**
   * Returns the value used when the key is not configured.
   *
   * @return the default, or empty when the key has none
   */
  public Optional<T> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  /**
   * Tells whether the value is a secret, never shown in messages.
   *
   * @return whether values of this key are masked
   */
  public boolean isSecret() {
    return secret;
  }

  /**
   * Reads a value from its string form and checks it against the key's rule.
   *
   * @param text the value as configured (already trimmed)
   * @return the value
   * @throws NullPointerException if {@code text} is null
   * @throws ConfigException naming the key, the value (masked if secret) and the rule it broke
   */
  public T parse(String text) {
    Objects.requireNonNull(text, "text");
    T value;
    try {
      value = parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of(problem(text, e.getMessage())));
    }
    String broken = check(value);
    if (broken != null) {
      throw new ConfigException(List.of(problem(text, broken)));
    }
    return value;
  }

  /**
   * Writes a value in the string form {@link #parse} reads.
   *
   * @param value a value of this key
   * @return its string form
   * @throws NullPointerException if {@code value} is null
   */
  public String format(T value) {
    return formatter.apply(Objects.requireNonNull(value, "value"));
  }

  /** Reads without checking the rule; throws IllegalArgumentException with the rule broken. */
  T read(String text) {
    return parser.apply(text);
  }

  @SuppressWarnings("unchecked") // values are stored by key, so the key knows their type
  T cast(Object value) {
    return (T) value;
  }

  /** Returns the rule {@code value} breaks, or null. */
  @Nullable String check(T value) {
    for (Function<T, @Nullable String> rule : rules) {
      String broken = rule.apply(value);
      if (broken != null) {
        return broken;
      }
    }
    return null;
  }

  /** Returns the problem {@code <name> was '<shown>' but <broken>}, masking a secret. */
  String problem(String shown, String broken) {
    return name + " was '" + (secret ? MASK : shown) + "' but " + broken;
  }

  @Override
  public String toString() {
    return "ConfigKey{" + name + '}';
  }

  private static <T> Function<T, @Nullable String> rule(Predicate<T> rule, String ruleText) {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(ruleText, "ruleText");
    return v -> rule.test(v) ? null : ruleText;
  }

  private static <V> Function<String, V> lookup(Map<String, V> byName) {
    String ruleText = ruleOf(byName);
    return s -> {
      V v = byName.get(ConfigValues.spell(s));
      if (v == null) {
        throw new IllegalArgumentException(ruleText);
      }
      return v;
    };
  }

  private static String ruleOf(Map<String, ?> byName) {
    return "must be one of " + String.join(", ", byName.keySet());
  }

  /**
   * A number key whose values must lie in {@code [min, max]}: {@link #integer}, {@link
   * #longInteger}.
   */
  private static <N extends Number> ConfigKey<N> bounded(
      String name, Function<String, N> parser, @Nullable N defaultValue, long min, long max) {
    requireOrder(min, max);
    return of(
        name, parser, String::valueOf, defaultValue, n -> bound(n.longValue(), min, max), false);
  }

  private static void requireOrder(long min, long max) {
    if (max < min) {
      throw new IllegalArgumentException("max was " + max + " but must be >= min (" + min + ")");
    }
  }

  private static @Nullable String bound(long n, long min, long max) {
    return n < min ? "must be >= " + min : n > max ? "must be at most " + max : null;
  }
}
