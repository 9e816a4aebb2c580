package io.tally.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The input rules: what every value handed to Tally must satisfy so that every built-in store
 * (PostgreSQL, H2, MariaDB) can hold it exactly. The public API ({@code markUsed}, the
 * connection-event builder, {@code track}) checks these rules when the value is supplied, before
 * anything is queued, and throws an {@link IllegalArgumentException} naming the field, the value
 * (shortened to {@value #SHOWN_LENGTH} characters) and the rule. The built-in stores check them
 * again through this class, so one set of rules holds everywhere; third-party stores should do the
 * same (the testkit's store contracts feed these hostile values).
 *
 * <ul>
 *   <li><b>Times</b> lie between {@link #MIN_TIME} ({@code 1000-01-01T00:00:00Z}) and {@link
 *       #MAX_TIME} ({@code 9999-12-31T23:59:59.999999999Z}), UTC: MariaDB's {@code DATETIME(6)}
 *       holds years 1000 to 9999, PostgreSQL and H2 hold more. Stores keep microseconds: a time is
 *       stored truncated to the microsecond (toward the past, never rounded up), so {@code
 *       9999-12-31T23:59:59.999999999Z} is stored as {@code …59.999999Z}.
 *   <li><b>Strings</b> never contain NUL ({@code U+0000}; PostgreSQL text cannot hold it) nor a
 *       lone surrogate (a {@code char} of a surrogate pair without its partner; it cannot
 *       round-trip through UTF-8). Lengths count UTF-16 code units ({@link String#length()}).
 *   <li><b>Identifying strings</b> are rejected past their limit: a connection event's workspace
 *       name and agent name ({@value #MAX_NAME_LENGTH}), its type name ({@value
 *       #MAX_TYPE_NAME_LENGTH}, at least one character), a {@code String} last-used id ({@value
 *       #MAX_ID_LENGTH}).
 *   <li><b>Free-text strings</b> are truncated to their limit: a connection event's user agent
 *       ({@value #MAX_USER_AGENT_LENGTH}), disconnect reason ({@value
 *       #MAX_DISCONNECT_REASON_LENGTH}) and slug or port ({@value #MAX_SLUG_OR_PORT_LENGTH}) keep
 *       their first {@code limit} code units, one fewer when the cut would split a surrogate pair.
 *       Each truncation is counted, JVM-wide, in {@link #truncatedValues()} (a component that
 *       reports it shows it as {@link ComponentStats#truncated()}). NUL and lone surrogates are
 *       rejected in free text as well, wherever they appear.
 *   <li><b>Other values</b>: an IP address is an IPv4 or IPv6 address literal; counts are
 *       non-negative; nulls are refused where a value is required (with a {@link
 *       NullPointerException} naming the field).
 * </ul>
 *
 * <p>Thread-safe; all methods are static.
 */
public final class InputRules {
  /** The earliest time any built-in store can hold: {@code 1000-01-01T00:00:00Z}. */
  public static final Instant MIN_TIME = Instant.parse("1000-01-01T00:00:00Z");

  /**
   * The latest time accepted: {@code 9999-12-31T23:59:59.999999999Z} (stored truncated to {@code
   * 9999-12-31T23:59:59.999999Z}).
   */
  public static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999999Z");

  /** The longest workspace name or agent name, in UTF-16 code units: {@value}. */
  public static final int MAX_NAME_LENGTH = 1000;

  /** The longest connection type name, in UTF-16 code units: {@value}. */
  public static final int MAX_TYPE_NAME_LENGTH = 64;

  /** The longest {@code String} last-used id, in UTF-16 code units: {@value}. */
  public static final int MAX_ID_LENGTH = 255;

  /** The length a user agent is truncated to, in UTF-16 code units: {@value}. */
  public static final int MAX_USER_AGENT_LENGTH = 4000;

  /** The length a disconnect reason is truncated to, in UTF-16 code units: {@value}. */
  public static final int MAX_DISCONNECT_REASON_LENGTH = 4000;

  /** The length a slug or port is truncated to, in UTF-16 code units: {@value}. */
  public static final int MAX_SLUG_OR_PORT_LENGTH = 1000;

  /** How many characters of a bad value a message shows: {@value}. */
  public static final int SHOWN_LENGTH = 40;

  private static final LongAdder TRUNCATED = new LongAdder();

  private InputRules() {}

  /**
   * Checks a time against {@link #MIN_TIME} and {@link #MAX_TIME}.
   *
   * @param time the time
   * @param field the field's name, for the message
   * @return {@code time}
   * @throws NullPointerException naming the field, if {@code time} is null
   * @throws IllegalArgumentException naming the field, the value and the range, if outside it
   */
  public static Instant requireTime(Instant time, String field) {
    Objects.requireNonNull(time, field);
    if (time.isBefore(MIN_TIME) || time.isAfter(MAX_TIME)) {
      throw new IllegalArgumentException(
          field
              + " was "
              + time
              + " but must be between "
              + MIN_TIME
              + " and "
              + MAX_TIME
              + " (UTC), the range every built-in store can hold");
    }
    return time;
  }

  /**
   * Checks an identifying string: no NUL, no lone surrogate, at most {@code maxLength} UTF-16 code
   * units. A null passes (the caller decides whether the field is required).
   *
   * @param value the string, or null
   * @param field the field's name, for the message
   * @param maxLength the longest allowed length
   * @return {@code value}
   * @throws IllegalArgumentException naming the field, the shortened value and the rule
   */
  public static @Nullable String requireText(@Nullable String value, String field, int maxLength) {
    if (value == null) {
      return null;
    }
    checkCharacters(value, field);
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(
          field
              + " was '"
              + shorten(value)
              + "' ("
              + value.length()
              + " UTF-16 code units) but must be at most "
              + maxLength);
    }
    return value;
  }

  /**
   * Checks a free-text string (no NUL, no lone surrogate) and truncates it to {@code maxLength}
   * UTF-16 code units, one fewer when the cut would split a surrogate pair; each truncation is
   * counted in {@link #truncatedValues()}. A null passes.
   *
   * @param value the string, or null
   * @param field the field's name, for the message
   * @param maxLength the length to truncate to
   * @return {@code value}, or its truncated prefix
   * @throws IllegalArgumentException naming the field, the shortened value and the rule, for a NUL
   *     or a lone surrogate
   */
  public static @Nullable String truncateText(@Nullable String value, String field, int maxLength) {
    if (value == null) {
      return null;
    }
    checkCharacters(value, field);
    if (value.length() <= maxLength) {
      return value;
    }
    TRUNCATED.increment();
    int end = Character.isHighSurrogate(value.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
    return value.substring(0, end);
  }

  /**
   * Checks a last-used id: a {@code String} id follows {@link #requireText} with {@link
   * #MAX_ID_LENGTH}; ids of other types (UUID, Long) always pass.
   *
   * @param id the id
   * @param <K> the id type
   * @return {@code id}
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalArgumentException naming the value and the rule
   */
  public static <K> K requireId(K id) {
    Objects.requireNonNull(id, "id");
    if (id instanceof String) {
      requireText((String) id, "id", MAX_ID_LENGTH);
    }
    return id;
  }

  /**
   * Checks a whole last-used batch as a store receives it, for stores to call before they write:
   * every id ({@link #requireId}) and time ({@link #requireTime}).
   *
   * @param batch ids and times
   * @throws NullPointerException if the batch, an id or a time is null
   * @throws StoreException of kind {@link StoreException.Kind#DATA}, naming the first bad id and
   *     the rule (the {@link IllegalArgumentException} as its cause), so a component isolates it
   */
  public static void checkLastUsedBatch(Map<?, Instant> batch) {
    Objects.requireNonNull(batch, "batch");
    for (Map.Entry<?, Instant> e : batch.entrySet()) {
      Object id = Objects.requireNonNull(e.getKey(), "id");
      try {
        requireId(id);
        requireTime(Objects.requireNonNull(e.getValue(), "time"), "time");
      } catch (IllegalArgumentException bad) {
        throw new StoreException(
            "last-used entry '"
                + shorten(id.toString())
                + "' breaks the input rules: "
                + bad.getMessage(),
            bad,
            StoreException.Kind.DATA);
      }
    }
  }

  /**
   * Returns how many free-text values were truncated in this JVM since it started. Values are
   * checked when they are supplied (an event is truncated when it is built), before any component
   * sees them, so the count is kept here.
   *
   * @return truncated values, JVM-wide
   */
  public static long truncatedValues() {
    return TRUNCATED.sum();
  }

  /**
   * Shortens a value for a message: its first {@value #SHOWN_LENGTH} characters and an ellipsis,
   * NUL shown as {@code \0} and other control characters and lone surrogates as {@code ?}.
   *
   * @param value the value
   * @return a printable, shortened form
   */
  public static String shorten(String value) {
    StringBuilder b = new StringBuilder(Math.min(value.length(), SHOWN_LENGTH) + 4);
    int n = Math.min(value.length(), SHOWN_LENGTH);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c == 0) {
        b.append("\\0");
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        b.append('?');
      } else {
        b.append(c);
      }
    }
    if (value.length() > n) {
      b.append('…');
    }
    return b.toString();
  }

  private static void checkCharacters(String value, String field) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw new IllegalArgumentException(
            field
                + " was '"
                + shorten(value)
                + "' but must not contain NUL (U+0000; at index "
                + i
                + ")");
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new IllegalArgumentException(
            field
                + " was '"
                + shorten(value)
                + "' but must not contain a lone surrogate (at index "
                + i
                + "; it cannot be encoded in UTF-8)");
      }
    }
  }
}
