package io.tally.jdbc;

import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;

/**
 * The key types a {@link JdbcLastUsedStore} takes: {@link UUID}, {@link Long} and {@link String}.
 */
public enum KeyType {
  /** {@link UUID} keys. */
  UUID_KEY(UUID.class),
  /** {@link Long} keys. */
  LONG_KEY(Long.class),
  /** {@link String} keys. */
  STRING_KEY(String.class);

  private final Class<?> type;

  KeyType(Class<?> type) {
    this.type = type;
  }

  /**
   * Returns the key type of a key class.
   *
   * @param keyType {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @return its key type
   * @throws IllegalArgumentException if {@code keyType} is another class
   * @throws NullPointerException if {@code keyType} is null
   */
  public static KeyType of(Class<?> keyType) {
    for (KeyType k : values()) {
      if (k.type == keyType) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "keyType was "
            + keyType.getName()
            + " but must be java.util.UUID, java.lang.Long or java.lang.String");
  }

  /**
   * Orders rows by key, so that concurrent writers lock rows in the same order.
   *
   * @param <K> the key type
   * @return a comparator of entries by key
   */
  @SuppressWarnings("unchecked")
  public <K> Comparator<Map.Entry<K, Instant>> order() {
    // Safe: of() accepted only UUID, Long and String, each Comparable to itself.
    return (a, b) -> ((Comparable<Object>) a.getKey()).compareTo(b.getKey());
  }

  @Override
  public String toString() {
    return type.getSimpleName();
  }
}
