package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.backend.BackendException;
import io.tally.core.backend.FanOut;
import org.junit.jupiter.api.Test;

class RecordingBackendTest {

  @Test
  void recordsEveryEventInOrder() {
    RecordingBackend<String> backend = RecordingBackend.create();
    backend.write("a");
    backend.write("b");
    assertThat(backend.events()).containsExactly("a", "b");
    assertThat(backend.count()).isEqualTo(2);
  }

  @Test
  void injectedFailuresDoNotStopAFanOut() {
    RecordingBackend<String> failing = RecordingBackend.<String>create().failNext(1);
    RecordingBackend<String> healthy = RecordingBackend.create();
    FanOut<String> fanOut = FanOut.of(failing, healthy);

    assertThatThrownBy(() -> fanOut.write("a")).isInstanceOf(BackendException.class);
    fanOut.write("b");
    fanOut.close();

    assertThat(failing.events()).containsExactly("b");
    assertThat(healthy.events()).containsExactly("a", "b");
    assertThat(failing.isClosed()).isTrue();
    assertThat(healthy.closeCalls()).isEqualTo(1);
  }

  @Test
  void writeAfterCloseThrows() {
    RecordingBackend<String> backend = RecordingBackend.create();
    backend.close();
    assertThatThrownBy(() -> backend.write("a")).isInstanceOf(IllegalStateException.class);
  }
}
