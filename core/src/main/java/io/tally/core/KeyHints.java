package io.tally.core;

import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Typo hints for unknown keys: the known key closest to the unknown one, compared in their
 * environment-variable form (so {@code tally.flush-intervall} and {@code TALLY_FLUSH_INTERVALL}
 * both find {@code tally.flush-interval}), when it is at most three edits away.
 */
@NullMarked
final class KeyHints {
  private static final int MAX_DISTANCE = 3;

  private KeyHints() {}

  /**
   * The environment-variable form of a key: upper case, {@code .} and {@code -} as {@code _}.
   *
   * @param key a key such as {@code tally.batch.size}
   * @return its variable form, such as {@code TALLY_BATCH_SIZE}
   */
  static String variable(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * Suggests the closest known key for a typo.
   *
   * @param unknown the key (or variable) as given
   * @param known the keys it may have meant
   * @return {@code " (did you mean <key>?)"}, or empty when no key is close
   */
  static String hint(String unknown, Collection<String> known) {
    String target = variable(unknown);
    @Nullable String best = null;
    int bestDistance = MAX_DISTANCE + 1;
    for (String key : known) {
      int d = distance(target, variable(key));
      if (d < bestDistance) {
        best = key;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean " + best + "?)";
  }

  /** Levenshtein distance, two rows. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
