package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** close() racing with the worker: the interleavings are forced, not hoped for. */
class BatcherCloseTest {
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();
  private final RecordingStore<Item> store = new RecordingStore<>();

  /**
   * Real time that stops the closing thread inside its first reading of the time (that is, inside
   * close(), after it began) until the test lets it go on.
   */
  private static final class PausingRealTime implements Clock {
    private final Clock real = Clock.system();
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);
    private volatile Thread pauseThread;

    @Override
    public Instant now() {
      return real.now();
    }

    @Override
    public long nanoTime() {
      if (Thread.currentThread() == pauseThread) {
        pauseThread = null;
        paused.countDown();
        try {
          if (!resume.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never resumed");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return real.nanoTime();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      return real.schedule(delay, task);
    }
  }

  @Test
  void aWorkerThatSeesCloseBeginNeverFindsTheShutdownDeadlineMissing() throws Exception {
    PausingRealTime realTime = new PausingRealTime();
    Batcher.Builder<Item> builder =
        Batcher.builder((BatchStore<Item>) store).clock(clock).name("close-race");
    builder.realTime = realTime;
    Batcher<Item> b = conservation.watch(builder.build());
    b.write(Item.keyless(0));
    b.write(Item.keyless(1));
    Await.until("the worker took the items", () -> Idle.isIdle(b));

    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              realTime.pauseThread = Thread.currentThread();
              b.close();
            });
    assertThat(realTime.paused.await(30, TimeUnit.SECONDS)).isTrue(); // close() has begun
    b.write(Item.keyless(2)); // wakes the worker while close() is paused
    Await.until("the worker handled the write", Duration.ofSeconds(30), () -> Idle.isIdle(b));
    realTime.resume.countDown();
    closing.get(60, TimeUnit.SECONDS);

    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEmpty();
    assertThat(s.flushedRows()).isEqualTo(3);
    assertThat(store.items()).containsExactly(Item.keyless(0), Item.keyless(1), Item.keyless(2));
  }
}
