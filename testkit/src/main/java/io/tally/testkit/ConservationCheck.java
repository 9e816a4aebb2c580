package io.tally.testkit;

import io.tally.core.ComponentStats;
import io.tally.core.TallyComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that checks, after each test, that every watched component accounted for
 * everything it accepted: {@code accepted == flushedRows + coalesced + pending + droppedTotal}. A
 * component that loses an item silently, or writes one twice, fails the test that caused it.
 *
 * <pre>{@code
 * @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();
 *
 * @Test
 * void flushes() {
 *   var tracker = conservation.watch(LastUsedTracker.builder(store).clock(clock).build());
 *   ...
 * }
 * }</pre>
 *
 * <p>Register it on an instance field; watched components are forgotten after each test. Call
 * {@link #assertConserved(ComponentStats)} directly to check a snapshot at any point.
 */
public final class ConservationCheck implements AfterEachCallback {
  private final List<TallyComponent> watched = new ArrayList<>();

  private ConservationCheck() {}

  /**
   * @return a new check with nothing watched
   */
  public static ConservationCheck create() {
    return new ConservationCheck();
  }

  /**
   * Watches {@code component} until the end of the current test.
   *
   * @param component the component to check after the test
   * @param <T> its type
   * @return {@code component}, for chaining
   */
  public synchronized <T extends TallyComponent> T watch(T component) {
    watched.add(Objects.requireNonNull(component, "component"));
    return component;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<TallyComponent> toCheck;
    synchronized (this) {
      toCheck = new ArrayList<>(watched);
      watched.clear();
    }
    if (context.getExecutionException().isPresent()) {
      return; // the test already failed; do not bury its failure under a second one
    }
    for (TallyComponent component : toCheck) {
      assertConserved(component.stats());
    }
  }

  /**
   * Checks one snapshot.
   *
   * @param stats the snapshot
   * @throws AssertionError naming every counter if the books do not balance
   */
  public static void assertConserved(ComponentStats stats) {
    long accounted =
        stats.flushedRows() + stats.coalesced() + stats.pending() + stats.droppedTotal();
    if (stats.accepted() != accounted) {
      throw new AssertionError(
          "Conservation broken for "
              + stats.component()
              + ": accepted "
              + stats.accepted()
              + " but flushedRows + coalesced + pending + dropped = "
              + stats.flushedRows()
              + " + "
              + stats.coalesced()
              + " + "
              + stats.pending()
              + " + "
              + stats.droppedTotal()
              + " = "
              + accounted
              + " ("
              + (stats.accepted() > accounted ? "items lost" : "items counted twice")
              + "); "
              + stats);
    }
  }
}
