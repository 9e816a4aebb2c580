package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IntakeTest {
  @Test
  void offersAfterCloseAreRefusedAndWhatWasQueuedStaysDrainable() throws Exception {
    Intake<String> intake = new Intake<>(2);
    assertThat(intake.offer("a")).isEqualTo(Intake.OFFERED);
    intake.close();
    assertThat(intake.offer("b")).isEqualTo(Intake.CLOSED);
    assertThat(intake.offer("c", TimeUnit.SECONDS.toNanos(1))).isEqualTo(Intake.CLOSED);
    List<String> drained = new ArrayList<>();
    assertThat(intake.drainTo(drained, 10)).isEqualTo(1);
    assertThat(drained).containsExactly("a");
    assertThat(intake.offer("d")).isEqualTo(Intake.CLOSED); // room again, still closed
    assertThat(intake.size()).isZero();
  }

  @Test
  void aWriterWaitingForRoomIsRefusedByClose() throws Exception {
    Intake<String> intake = new Intake<>(1);
    assertThat(intake.offer("a")).isEqualTo(Intake.OFFERED);
    assertThat(intake.offer("b")).isEqualTo(Intake.FULL);
    assertThat(intake.offer("b", TimeUnit.MILLISECONDS.toNanos(10))).isEqualTo(Intake.FULL);
    CompletableFuture<Integer> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return intake.offer("c", TimeUnit.SECONDS.toNanos(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    intake.close();
    assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(Intake.CLOSED);
    assertThat(intake.size()).isEqualTo(1);
  }
}
