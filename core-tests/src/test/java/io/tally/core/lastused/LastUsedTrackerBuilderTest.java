package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.HealthPolicy;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LastUsedTrackerBuilderTest {
  private final ManualClock clock = ManualClock.create();
  private final InMemoryLastUsedStore<String> store = new InMemoryLastUsedStore<>();

  @Test
  void defaultsAreTheDocumentedOnes() {
    assertThat(LastUsedTracker.Builder.DEFAULT_FLUSH_INTERVAL).isEqualTo(Duration.ofSeconds(60));
    assertThat(LastUsedTracker.Builder.DEFAULT_FLUSH_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
    assertThat(LastUsedTracker.Builder.DEFAULT_SHUTDOWN_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
    assertThat(LastUsedTracker.Builder.DEFAULT_TIMESTAMP_MODE).isEqualTo(TimestampMode.EVENT_TIME);
    try (LastUsedTracker<String> t = LastUsedTracker.builder(store).clock(clock).build()) {
      assertThat(t.name()).isEqualTo("last-used");
      assertThat(t.stats().component()).isEqualTo("last-used");
      assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(60));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"flushInterval", "flushTimeout", "shutdownTimeout"})
  void rejectsZeroAndNegativeDurationsNamingOptionAndValue(String option) {
    Function<Duration, LastUsedTracker.Builder<String>> set =
        d -> {
          LastUsedTracker.Builder<String> b = LastUsedTracker.builder(store).clock(clock);
          switch (option) {
            case "flushInterval":
              return b.flushInterval(d);
            case "flushTimeout":
              return b.flushTimeout(d);
            default:
              return b.shutdownTimeout(d);
          }
        };
    assertThatThrownBy(() -> set.apply(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(option + " was PT-1S but must be positive");
    assertThatThrownBy(() -> set.apply(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(option + " was PT0S but must be positive");
    assertThat(clock.pendingTasks()).as("a rejected builder starts no timer").isZero();
  }

  @Test
  void rejectsNullsNamingTheArgument() {
    LastUsedTracker.Builder<String> b = LastUsedTracker.builder(store);
    assertThatThrownBy(() -> LastUsedTracker.builder(null)).hasMessage("store");
    assertThatThrownBy(() -> b.flushInterval(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("flushInterval");
    assertThatThrownBy(() -> b.flushTimeout(null)).hasMessage("flushTimeout");
    assertThatThrownBy(() -> b.shutdownTimeout(null)).hasMessage("shutdownTimeout");
    assertThatThrownBy(() -> b.timestampMode(null)).hasMessage("timestampMode");
    assertThatThrownBy(() -> b.clock(null)).hasMessage("clock");
    assertThatThrownBy(() -> b.healthPolicy(null)).hasMessage("healthPolicy");
    assertThatThrownBy(() -> b.flushListener(null)).hasMessage("flushListener");
    assertThatThrownBy(() -> b.name(null)).hasMessage("name");
  }

  @Test
  void rejectsBlankName() {
    assertThatThrownBy(() -> LastUsedTracker.builder(store).clock(clock).name(" ").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name was ' ' but must be 1 to 40 letters, digits, '-' or '_'");
  }

  @Test
  void markUsedRejectsNullsNamingTheArgument() {
    try (LastUsedTracker<String> t =
        LastUsedTracker.builder(store).clock(clock).healthPolicy(HealthPolicy.defaults()).build()) {
      assertThatThrownBy(() -> t.markUsed(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("id");
      assertThatThrownBy(() -> t.markUsed(null, clock.now()))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("id");
      assertThatThrownBy(() -> t.markUsed("a", null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("at");
      assertThat(t.stats().accepted()).isZero();
    }
  }
}
