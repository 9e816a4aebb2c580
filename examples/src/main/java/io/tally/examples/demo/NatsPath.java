package io.tally.examples.demo;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tally.backend.nats.NatsBackend;
import io.tally.backend.nats.NatsRelay;
import io.tally.core.Clock;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo's {@code nats} backend: every replica publishes to a JetStream stream of this run and
 * runs a relay in-process (all relays share one durable consumer) into the demo database. Before
 * the replicas stop, the run waits until the stream is relayed; afterwards the stream is deleted.
 */
final class NatsPath {
  static final String NAME = "nats";
  private static final Duration DRAIN_BOUND = Duration.ofSeconds(120);

  private final String url;
  private final String stream;
  private final String subject;

  NatsPath(String url) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    this.url = url;
    this.stream = "TALLY_DEMO_" + run;
    this.subject = "tally_demo." + run;
  }

  /** Adds the {@code tally.backend.nats.*} keys of this run to a replica's configuration. */
  TallyConfig.Builder configure(TallyConfig.Builder b) {
    return b.set("tally.backend.nats.url", url)
        .set("tally.backend.nats.stream", stream)
        .set("tally.backend.nats.subject", subject)
        .set("tally.backend.nats.relay.enabled", "true")
        .set("tally.backend.nats.relay.flush-interval", "200ms");
  }

  /**
   * @return a description for the report's header
   */
  String describe() {
    return "NATS stream "
        + stream
        + " (subject "
        + subject
        + ") relayed in-process by every replica";
  }

  /**
   * Waits until every publisher has its events acknowledged and the relays have written the whole
   * stream, so that closing the replicas leaves nothing in the stream.
   *
   * @return true when drained within the bound
   */
  boolean awaitRelayed(List<Tally> replicas) {
    List<NatsBackend> publishers = new ArrayList<>();
    for (Tally t : replicas) {
      Backend<ConnectionEvent> log = t.connectionLog();
      if (log instanceof FanOut) {
        for (Backend<ConnectionEvent> b : ((FanOut<ConnectionEvent>) log).backends()) {
          if (b instanceof NatsBackend) {
            publishers.add((NatsBackend) b);
          }
        }
      }
    }
    Clock clock = Clock.system();
    long deadline = clock.nanoTime() + DRAIN_BOUND.toNanos();
    while (clock.nanoTime() - deadline < 0) {
      if (drained(publishers)) {
        return true;
      }
      LockSupport.parkNanos(50_000_000L);
    }
    return false;
  }

  private static boolean drained(List<NatsBackend> publishers) {
    for (NatsBackend p : publishers) {
      if (p.inFlight() > 0) {
        return false;
      }
    }
    for (NatsBackend p : publishers) {
      NatsRelay relay = p.relay().orElse(null);
      if (relay != null) {
        try {
          return relay.backlog() == 0; // one consumer: any relay can tell
        } catch (IllegalStateException e) {
          return false;
        }
      }
    }
    return true;
  }

  /** Deletes this run's stream; best effort. */
  void deleteStream() {
    try {
      Connection c = Nats.connect(new Options.Builder().server(url).maxReconnects(0).build());
      try {
        c.jetStreamManagement().deleteStream(stream);
      } finally {
        c.close();
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // the stream stays on the server; it holds nothing unrelayed
    }
  }
}
