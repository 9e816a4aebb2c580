package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void defaultsAreDocumented() {
    RetryPolicy p = RetryPolicy.defaults();
    assertThat(p.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.multiplier()).isEqualTo(2.0);
    assertThat(p.maxAttempts()).isEqualTo(RetryPolicy.UNLIMITED); // was 3: limits are opt-in
    assertThat(p.jitter()).isEqualTo(0.2);
    assertThat(p.deadline()).isEmpty(); // was 2 minutes: limits are opt-in
    assertThat(RetryPolicy.none().maxAttempts()).isZero();
  }

  @Test
  void backoffGrowsByTheMultiplierUpToTheMaximum() {
    RetryPolicy p = RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofMillis(500), 3, 9);
    assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofMillis(300));
    assertThat(p.backoff(3)).isEqualTo(Duration.ofMillis(500));
    assertThat(p.backoff(60)).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void jitterOnlyShortensTheDelayByAtMostItsFraction() {
    RetryPolicy p =
        RetryPolicy.exponential(Duration.ofSeconds(10), Duration.ofSeconds(10), 1, 1)
            .withJitter(0.25);
    assertThat(p.delay(1, 0.0)).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.delay(1, 0.5)).isEqualTo(Duration.ofMillis(8_750));
    assertThat(p.delay(1, 0.999_999)).isGreaterThan(Duration.ofMillis(7_500));
  }

  @Test
  void badValuesAreRejectedNamingThem() {
    assertThatThrownBy(() -> RetryPolicy.exponential(Duration.ZERO, Duration.ofSeconds(1), 2, 3))
        .hasMessage("initialBackoff was PT0S but must be positive");
    assertThatThrownBy(
            () -> RetryPolicy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3))
        .hasMessageContaining("maxBackoff was PT1S");
    assertThatThrownBy(
            () -> RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 3))
        .hasMessage("multiplier was 0.5 but must be >= 1");
    assertThatThrownBy(
            () -> RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, -1))
        .hasMessage("maxAttempts was -1 but must be >= 0");
    assertThatThrownBy(() -> RetryPolicy.defaults().withJitter(1.5))
        .hasMessage("jitter was 1.5 but must be in [0, 1]");
    assertThatThrownBy(() -> RetryPolicy.defaults().withDeadline(Duration.ZERO))
        .hasMessage("deadline was PT0S but must be positive");
  }
}
