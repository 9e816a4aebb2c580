package io.tally.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanOutTest {
  /** Records events and closes; optionally fails both. */
  private static final class Recorder implements Backend<String> {
    final List<String> events = new ArrayList<>();
    final RuntimeException failure;
    int closes;

    Recorder(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public void write(String event) {
      events.add(event);
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void close() {
      closes++;
      if (failure != null) {
        throw failure;
      }
    }
  }

  @Test
  void writesToEveryBackendInOrder() {
    Recorder a = new Recorder(null);
    Recorder b = new Recorder(null);
    FanOut<String> fan = FanOut.of(a, b);
    fan.write("x");
    assertThat(a.events).containsExactly("x");
    assertThat(b.events).containsExactly("x");
    assertThat(fan.backends()).containsExactly(a, b);
  }

  @Test
  void callsEveryBackendEvenAfterFailuresThenThrowsThemAll() {
    RuntimeException first = new IllegalStateException("first");
    RuntimeException second = new IllegalArgumentException("second");
    Recorder a = new Recorder(first);
    Recorder b = new Recorder(null);
    Recorder c = new Recorder(second);
    FanOut<String> fan = FanOut.of(List.of(a, b, c));
    assertThatThrownBy(() -> fan.write("x"))
        .isInstanceOfSatisfying(
            BackendException.class,
            e -> {
              assertThat(e.getSuppressed()).containsExactly(first, second);
              assertThat(e.failures()).containsExactly(first, second);
              assertThat(e.getCause()).isSameAs(first);
              assertThat(e).hasMessage("2 of 3 backends failed to write");
            });
    assertThat(a.events).containsExactly("x");
    assertThat(b.events).containsExactly("x");
    assertThat(c.events).containsExactly("x");
  }

  @Test
  void anErrorFromOneBackendNeitherStopsTheOthersNorEscapesAlone() {
    AssertionError bug = new AssertionError("backend bug");
    Recorder after = new Recorder(null);
    Backend<String> broken =
        new Backend<>() {
          @Override
          public void write(String event) {
            throw bug;
          }

          @Override
          public void close() {
            throw bug;
          }
        };
    FanOut<String> fan = FanOut.of(broken, after);
    assertThatThrownBy(() -> fan.write("x"))
        .isInstanceOf(BackendException.class)
        .hasMessage("1 of 2 backends failed to write")
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(bug));
    assertThat(after.events).containsExactly("x");
    assertThatThrownBy(fan::close)
        .isInstanceOf(BackendException.class)
        .hasMessage("1 of 2 backends failed to close");
    assertThat(after.closes).isEqualTo(1);
  }

  @Test
  void closeClosesEveryBackendAndReportsEveryFailure() {
    RuntimeException boom = new IllegalStateException("boom");
    Recorder a = new Recorder(boom);
    Recorder b = new Recorder(null);
    FanOut<String> fan = FanOut.of(a, b);
    assertThatThrownBy(fan::close)
        .isInstanceOf(BackendException.class)
        .hasMessage("1 of 2 backends failed to close")
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(boom));
    assertThat(a.closes).isEqualTo(1);
    assertThat(b.closes).isEqualTo(1);
  }

  @Test
  void defaultCloseDoesNothingAndEmptyFanOutIsFine() {
    List<String> seen = new ArrayList<>();
    Backend<String> lambda = seen::add;
    FanOut<String> fan = FanOut.of(lambda);
    fan.write("y");
    fan.close();
    assertThat(seen).containsExactly("y");
    FanOut.<String>of().write("nothing");
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> FanOut.of((Backend<String>) null))
        .isInstanceOf(NullPointerException.class);
    FanOut<String> fan = FanOut.of(new Recorder(null));
    assertThatThrownBy(() -> fan.write(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("event");
  }
}
