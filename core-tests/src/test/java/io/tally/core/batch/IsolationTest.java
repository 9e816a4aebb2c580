package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.StoreException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Bisection bookkeeping alone: a simulated store answers each part the run hands out. */
class IsolationTest {
  private final Isolation<Integer> isolation = new Isolation<>();
  private final List<Integer> written = new ArrayList<>();
  private final List<Integer> rejected = new ArrayList<>();
  private final List<Integer> givenBack = new ArrayList<>();
  private int calls;

  private static List<Integer> batch(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  /** Runs the isolation to its end against a store that fails parts holding a bad item. */
  private void run(List<Integer> failed, Kind kind, Set<Integer> bad, boolean storeDown) {
    apply(isolation.start(failed, kind));
    List<Integer> part;
    while ((part = isolation.next()) != null) {
      calls++;
      if (storeDown || part.stream().anyMatch(bad::contains)) {
        apply(isolation.failed(part, kind));
      } else {
        written.addAll(part);
        apply(isolation.succeeded());
      }
    }
    assertThat(isolation.active()).isFalse();
    assertThat(isolation.size()).isZero();
  }

  private void apply(Isolation.Verdict<Integer> v) {
    rejected.addAll(v.rejected());
    givenBack.addAll(v.givenBack());
  }

  @Test
  void aDataPoisonIsFoundAloneAndEveryOtherItemIsWrittenOnce() {
    for (int poison : new int[] {0, 1, 499, 500, 998, 999}) {
      written.clear();
      rejected.clear();
      calls = 0;
      run(batch(1000), Kind.DATA, Set.of(poison), false);
      assertThat(rejected).containsExactly(poison);
      assertThat(written).hasSize(999).doesNotHaveDuplicates().doesNotContain(poison);
      assertThat(calls).isLessThanOrEqualTo(2 * 10); // two calls per level of a 1,000-item batch
    }
  }

  @Test
  void twoPoisonsInBothHalvesAreBothFound() {
    run(batch(100), Kind.DATA, Set.of(3, 77), false);
    assertThat(rejected).containsExactlyInAnyOrder(3, 77);
    assertThat(written).hasSize(98);
  }

  @Test
  void anUnknownFailureIsRejectedOnlyOnceTheStoreWasSeenToWork() {
    run(batch(2), Kind.UNKNOWN, Set.of(0), false); // item 0 fails alone before item 1 succeeds
    assertThat(rejected).containsExactly(0);
    assertThat(written).containsExactly(1);
  }

  @Test
  void anUnknownFailureOfEveryPartIsAnOutageAndGivesEverythingBack() {
    run(batch(1000), Kind.UNKNOWN, Set.of(), true);
    assertThat(rejected).isEmpty();
    assertThat(givenBack).containsExactlyInAnyOrderElementsOf(batch(1000));
    assertThat(calls).isEqualTo(Isolation.OUTAGE_PROBES);
  }

  @Test
  void aLoneItemFailingUnknownIsGivenBackNotRejected() {
    run(batch(1), Kind.UNKNOWN, Set.of(0), false);
    assertThat(rejected).isEmpty();
    assertThat(givenBack).containsExactly(0);
  }

  @Test
  void aTransientFailureEndsTheRunGivingBackWhatIsNotWritten() {
    apply(isolation.start(batch(8), Kind.DATA));
    List<Integer> first = isolation.next();
    written.addAll(first);
    apply(isolation.succeeded());
    List<Integer> second = isolation.next();
    apply(isolation.failed(second, Kind.TRANSIENT));
    assertThat(isolation.active()).isFalse();
    assertThat(rejected).isEmpty();
    assertThat(written).hasSize(4);
    assertThat(givenBack).containsExactlyInAnyOrderElementsOf(second);
  }
}
