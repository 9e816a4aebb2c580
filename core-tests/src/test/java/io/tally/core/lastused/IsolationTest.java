package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The bisection that isolates rejected last-used entries, without threads or a clock. */
class IsolationTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static Map<String, Instant> batch(String... ids) {
    Map<String, Instant> out = new LinkedHashMap<>();
    for (String id : ids) {
      out.put(id, T);
    }
    return out;
  }

  private static Isolation<String> run(
      Kind kind,
      BiFunction<Map<String, Instant>, Duration, Throwable> write,
      Map<String, Instant> batch) {
    Isolation<String> iso = new Isolation<>(write, () -> 0L, Long.MAX_VALUE, kind);
    iso.run(batch, new StoreException("batch failed", null, kind));
    return iso;
  }

  @Test
  void aStoreFailingNowAndThenLosesNothingItCouldWrite() {
    Set<Map<String, Instant>> seen = new HashSet<>();
    BiFunction<Map<String, Instant>, Duration, Throwable> write =
        (part, timeout) -> {
          if (part.containsKey("poison")) {
            return new StoreException("refused", null, Kind.UNKNOWN);
          }
          if (part.equals(batch("good-1")) && seen.add(part)) {
            return new StoreException("flaky", null, Kind.UNKNOWN); // fails once, alone
          }
          return null;
        };
    Isolation<String> iso =
        run(Kind.UNKNOWN, write, batch("good-0", "good-1", "poison", "good-2", "good-3", "good-4"));
    assertThat(iso.rejected).containsOnlyKeys("poison");
    assertThat(iso.written).containsOnlyKeys("good-0", "good-1", "good-2", "good-3", "good-4");
    assertThat(iso.kept).isEmpty();
  }

  @Test
  void aTransientFailureEndsTheRunAndKeepsWhatIsLeft() {
    BiFunction<Map<String, Instant>, Duration, Throwable> write =
        (part, timeout) ->
            part.containsKey("poison")
                ? new StoreException("refused", null, Kind.DATA)
                : part.containsKey("c") ? new StoreException("down", null, Kind.TRANSIENT) : null;
    Isolation<String> iso = run(Kind.DATA, write, batch("a", "poison", "c", "d"));
    assertThat(iso.written).containsOnlyKeys("a");
    assertThat(iso.rejected).containsOnlyKeys("poison");
    assertThat(iso.kept).containsOnlyKeys("c", "d");
  }

  @Test
  void nothingIsRejectedWhenNothingCouldBeWrittenAndTheStoreDoesNotClassify() {
    Isolation<String> iso =
        run(
            Kind.UNKNOWN,
            (part, timeout) -> new StoreException("down", null, Kind.UNKNOWN),
            batch("a", "b", "c"));
    assertThat(iso.rejected).isEmpty();
    assertThat(iso.kept).containsOnlyKeys("a", "b", "c");
  }

  @Test
  void thePastDeadlineKeepsEverythingNotYetWritten() {
    Isolation<String> iso = new Isolation<>((part, timeout) -> null, () -> 10L, 5L, Kind.DATA);
    iso.run(batch("a", "b"), new StoreException("refused", null, Kind.DATA));
    assertThat(iso.written).isEmpty();
    assertThat(iso.kept).containsOnlyKeys("a", "b");
  }
}
