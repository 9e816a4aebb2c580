package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FaultyStoreTest {

  interface Sink {
    void put(String value);

    int size();

    void close();
  }

  static final class ListSink implements Sink {
    final List<String> values = new ArrayList<>();

    @Override
    public synchronized void put(String value) {
      values.add(value);
    }

    @Override
    public synchronized int size() {
      return values.size();
    }

    @Override
    public void close() {}
  }

  @Test
  void failNextFailsExactlyThatManyCallsWithoutReachingTheStore() {
    ListSink real = new ListSink();
    FaultyStore<Sink> faulty = FaultyStore.wrap((Sink) real).failNext(2);
    assertThatThrownBy(() -> faulty.store().put("a")).isInstanceOf(InjectedFault.class);
    assertThatThrownBy(() -> faulty.store().put("b")).isInstanceOf(InjectedFault.class);
    faulty.store().put("c");
    assertThat(real.values).containsExactly("c");
    assertThat(faulty.faultsInjected()).isEqualTo(2);
  }

  @Test
  void commitThenThrowReachesTheStoreAndStillThrows() {
    ListSink real = new ListSink();
    FaultyStore<Sink> faulty = FaultyStore.wrap((Sink) real).commitThenThrowNext(1);
    assertThatThrownBy(() -> faulty.store().put("a"))
        .isInstanceOfSatisfying(InjectedFault.class, f -> assertThat(f.committed()).isTrue());
    assertThat(real.values).containsExactly("a");
  }

  @Test
  void failingSwitchAndNthCall() {
    ListSink real = new ListSink();
    FaultyStore<Sink> faulty = FaultyStore.wrap((Sink) real).affecting("put");
    faulty.failing(true);
    assertThatThrownBy(() -> faulty.store().put("a")).isInstanceOf(InjectedFault.class);
    assertThat(faulty.store().size()).isZero(); // not affected
    faulty.failing(false).failOnCall(2);
    faulty.store().put("b");
    assertThatThrownBy(() -> faulty.store().put("c")).isInstanceOf(InjectedFault.class);
    faulty.store().put("d");
    assertThat(real.values).containsExactly("b", "d");
  }

  @Test
  void blockHoldsCallsUntilReleased() throws Exception {
    ListSink real = new ListSink();
    FaultyStore<Sink> faulty = FaultyStore.wrap((Sink) real).block();
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> faulty.store().put("a"));
    faulty.awaitBlocked(1, Duration.ofSeconds(5));
    assertThat(call).isNotDone();
    assertThat(real.values).isEmpty();
    faulty.release();
    call.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(real.values).containsExactly("a");
  }

  @Test
  void closeIsNeverAffectedByDefault() {
    FaultyStore<Sink> faulty = FaultyStore.wrap((Sink) new ListSink()).failing(true);
    faulty.store().close();
    assertThat(faulty.calls()).isZero();
  }
}
