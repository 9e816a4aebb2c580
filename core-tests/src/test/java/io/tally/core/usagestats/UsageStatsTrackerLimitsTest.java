package io.tally.core.usagestats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.HookedUsageStatsStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Chunked flushes, saturated counts and data the store rejects. */
class UsageStatsTrackerLimitsTest {
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();
  private final InMemoryUsageStatsStore memory = new InMemoryUsageStatsStore();
  private final List<UsageFlush> sent = new ArrayList<>();
  private boolean rejectNext;
  private int failCall;

  /** Records every call; rejects the next one as bad data when asked. */
  private final UsageStatsStore recording =
      new HookedUsageStatsStore(
          memory,
          (f, delegate) -> {
            sent.add(f);
            if (sent.size() == failCall) {
              throw new StoreException("connection reset", null, StoreException.Kind.TRANSIENT);
            }
            if (rejectNext) {
              rejectNext = false;
              throw new StoreException("value out of range", null, StoreException.Kind.DATA);
            }
            return delegate.flush(f);
          });

  private UsageStatsTracker tracker(int maxIdsPerCall) {
    return conservation.watch(
        UsageStatsTracker.builder(recording, UUID.randomUUID())
            .clock(clock)
            .maxIdsPerCall(maxIdsPerCall)
            .build());
  }

  @Test
  void aLargeFlushIsSplitIntoBoundedChunksWithTheCountsInTheFirst() {
    UsageStatsTracker t = tracker(100);
    UUID user = UUID.randomUUID();
    for (int i = 0; i < 250; i++) {
      t.track(UUID.randomUUID(), user, 2, 1);
    }

    FlushResult result = t.flush();

    assertThat(result.isSuccess()).isTrue();
    assertThat(result.rows()).isEqualTo(250);
    assertThat(sent).hasSize(3);
    assertThat(sent)
        .extracting(f -> f.workspaceIds().size() + f.userIds().size())
        .containsExactly(100, 100, 51);
    assertThat(sent).extracting(UsageFlush::allowedRequests).containsExactly(500L, 0L, 0L);
    assertThat(sent).extracting(UsageFlush::sequence).containsExactly(1L, 2L, 3L);
    ReplicaUsage row = memory.replicaUsage().get(0);
    assertThat(row.uniqueWorkspaces()).isEqualTo(250);
    assertThat(row.uniqueUsers()).isEqualTo(1);
    assertThat(row.allowedRequests()).isEqualTo(500);
    t.close();
  }

  @Test
  void aFailedChunkIsRetriedWithItsSequenceThenTheRestIsWritten() {
    UsageStatsTracker t = tracker(10);
    for (int i = 0; i < 30; i++) {
      t.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    }
    failCall = 2;

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(memory.replicaUsage().get(0).allowedRequests()).isEqualTo(30); // first chunk
    assertThat(memory.replicaUsage().get(0).uniqueWorkspaces()).isEqualTo(10);
    assertThat(t.stats().pending()).isEqualTo(30);

    assertThat(t.flush().isSuccess()).isTrue();
    assertThat(sent).extracting(UsageFlush::sequence).containsExactly(1L, 2L, 2L, 3L, 4L, 5L, 6L);
    assertThat(sent.get(2)).isEqualTo(sent.get(1));
    ReplicaUsage row = memory.replicaUsage().get(0);
    assertThat(row.uniqueWorkspaces()).isEqualTo(30);
    assertThat(row.uniqueUsers()).isEqualTo(30);
    assertThat(row.allowedRequests()).isEqualTo(30);
    assertThat(t.stats().flushedRows()).isEqualTo(30);
    t.close();
  }

  @Test
  void countsThatWouldOverflowSaturateAndAreCounted() {
    UsageStatsTracker t = tracker(100);
    UUID w = UUID.randomUUID();
    t.track(w, w, Long.MAX_VALUE, 1);
    t.track(w, w, 5, 1);

    assertThat(t.saturatedCalls()).isEqualTo(1);
    FlushResult result = t.flush();

    assertThat(result.isSuccess()).isTrue();
    assertThat(sent.get(0).allowedRequests()).isEqualTo(Long.MAX_VALUE);
    assertThat(sent.get(0).deniedRequests()).isEqualTo(2);
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    t.close();
  }

  @Test
  void aSnapshotTheStoreRejectsAsBadDataIsDroppedCountedAndReflectedInHealth() {
    UsageStatsTracker t = tracker(100);
    t.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    t.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    rejectNext = true;

    FlushResult result = t.flush();

    assertThat(result.outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(t.stats().dropped()).containsEntry(DropReasons.REJECTED, 2L);
    assertThat(t.stats().pending()).isZero();
    assertThat(t.stats().consecutiveFailures()).isEqualTo(1); // health counts it (policy)
    t.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    assertThat(t.flush().isSuccess()).isTrue(); // not retried: the next flush writes only new usage
    assertThat(sent).hasSize(2);
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    t.close();
  }

  @Test
  void maxIdsPerCallIsBounded() {
    UsageStatsTracker.Builder b = UsageStatsTracker.builder(memory, UUID.randomUUID());
    assertThatThrownBy(() -> b.maxIdsPerCall(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxIdsPerCall was 0 but must be between 1 and 10000000");
  }
}
