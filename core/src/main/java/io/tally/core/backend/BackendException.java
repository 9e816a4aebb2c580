package io.tally.core.backend;

import java.util.List;
import java.util.Objects;

/**
 * One or more backends failed; thrown by {@link FanOut} after it has called every backend.
 *
 * <p>Every failure is attached as a {@linkplain #getSuppressed() suppressed} exception, in backend
 * order, and is listed by {@link #failures()}; the first failure is also the {@linkplain
 * #getCause() cause}, so a plain stack trace shows it.
 */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was being done, e.g. {@code "2 of 3 backends failed to write"}
   * @param failures what each failing backend threw, at least one
   * @throws IllegalArgumentException if {@code failures} is empty
   */
  public BackendException(String message, List<? extends Throwable> failures) {
    super(Objects.requireNonNull(message, "message"), first(failures));
    for (Throwable t : failures) {
      addSuppressed(Objects.requireNonNull(t, "failure"));
    }
  }

  private static Throwable first(List<? extends Throwable> failures) {
    Objects.requireNonNull(failures, "failures");
    if (failures.isEmpty()) {
      throw new IllegalArgumentException("failures was empty but must hold at least one");
    }
    return failures.get(0);
  }

  /**
   * @return every failure, in backend order (the same as {@link #getSuppressed()})
   */
  public List<Throwable> failures() {
    return List.of(getSuppressed());
  }
}
