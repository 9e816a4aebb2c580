package io.tally.core;

import java.util.List;
import java.util.Objects;

/**
 * A Tally configuration that breaks one or more rules; carries every problem found, not only the
 * first, each naming the key, the value as given and the rule it broke, for example {@code
 * tally.batch.size was '0' but must be >= 1}. Secret values (passwords) never appear.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Every problem found, one message each, in the order they were found. */
  private final String[] problems;

  /**
   * Creates the exception.
   *
   * @param problems every problem found, at least one
   * @throws NullPointerException if {@code problems} or one of them is null
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public ConfigException(List<String> problems) {
    super(message(problems));
    this.problems = problems.toArray(new String[0]);
  }

  private static String message(List<String> problems) {
    Objects.requireNonNull(problems, "problems");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems was empty but must hold at least one problem");
    }
    StringBuilder sb =
        new StringBuilder("Invalid Tally configuration (")
            .append(problems.size())
            .append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  ").append(Objects.requireNonNull(p, "problem"));
    }
    return sb.toString();
  }

  /**
   * @return every problem found, in key order; unmodifiable
   */
  public List<String> problems() {
    return List.of(problems);
  }
}
