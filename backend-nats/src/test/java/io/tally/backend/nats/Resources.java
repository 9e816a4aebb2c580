package io.tally.backend.nats;

import io.tally.testkit.Await;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension for these tests: closes what a test opened (newest first) after it, and waits
 * for conditions while moving a manual clock on so that backoffs pass.
 */
final class Resources implements AfterEachCallback {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final ManualClock clock = ManualClock.create();

  /**
   * @return the clock the tests' components use
   */
  ManualClock clock() {
    return clock;
  }

  /** Closes {@code c} after the test. */
  synchronized <T extends AutoCloseable> T closing(T c) {
    opened.add(c);
    return c;
  }

  /** Waits up to 60 s for {@code condition}, advancing the clock 20 ms per poll. */
  void await(String what, BooleanSupplier condition) {
    Await.until(
        what,
        Duration.ofSeconds(60),
        () -> {
          clock.advance(Duration.ofMillis(20));
          return condition.getAsBoolean();
        });
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<AutoCloseable> toClose;
    synchronized (this) {
      toClose = new ArrayList<>(opened);
      opened.clear();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }
}
