package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.Await;
import io.tally.testkit.InMemoryConnectionLogStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's plain-Java wiring of the stream path, compiled and run. */
class NatsReadmeExampleTest {
  @RegisterExtension static final NatsServer nats = NatsServer.create();

  @Test
  void theReadmeWiringRelaysEveryEvent() {
    String natsUrl = nats.url();
    InMemoryConnectionLogStore memory = new InMemoryConnectionLogStore();
    ConnectionLogStore connectionLogStore = memory;
    List<ConnectionEvent> events = Fixtures.events(20, 31);
    ConnectionEvent event = events.get(0);
    // tag::plain-java[]
    NatsStream stream = NatsStream.builder().replicas(1).build(); // TALLY_CONNECTION_LOG
    // In every service replica: publish (durable once the server acknowledged).
    NatsBackend publisher = NatsBackend.builder().url(natsUrl).stream(stream).build();
    // In one or more relay processes (they share one durable consumer): stream -> database.
    NatsRelay relay = NatsRelay.builder(connectionLogStore).url(natsUrl).stream(stream).build();

    publisher.write(event);
    // end::plain-java[]
    events.subList(1, events.size()).forEach(publisher::write);
    Await.until(
        "every event relayed", Duration.ofSeconds(60), () -> relay.relayed() == events.size());
    publisher.close();
    relay.close();
    assertThat(Fixtures.actual(memory.rows())).isEqualTo(Fixtures.expected(events));
  }
}
