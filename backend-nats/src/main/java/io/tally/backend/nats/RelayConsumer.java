package io.tally.backend.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The relays' durable pull consumer: explicit acknowledgements, unlimited redelivery, the
 * configured ack wait and max ack pending, filtered on the stream's subject. Created when missing,
 * checked when present.
 */
final class RelayConsumer {
  /** JetStream's "consumer not found" error code. */
  private static final int CONSUMER_NOT_FOUND = 10014;

  private RelayConsumer() {}

  /**
   * Creates the consumer or checks it.
   *
   * @throws IllegalStateException naming every setting an existing consumer differs in
   */
  static void ensure(
      JetStreamManagement jsm,
      NatsStream stream,
      String durable,
      Duration ackWait,
      long maxAckPending)
      throws IOException, JetStreamApiException {
    ConsumerInfo info;
    try {
      info = jsm.getConsumerInfo(stream.name(), durable);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != CONSUMER_NOT_FOUND && e.getErrorCode() != 404) {
        throw e;
      }
      info = null;
    }
    if (info == null) {
      jsm.addOrUpdateConsumer(
          stream.name(),
          ConsumerConfiguration.builder()
              .durable(durable)
              .ackPolicy(AckPolicy.Explicit)
              .deliverPolicy(DeliverPolicy.All)
              .ackWait(ackWait)
              .maxDeliver(-1)
              .maxAckPending(maxAckPending)
              .filterSubject(stream.subject())
              .build());
      return;
    }
    ConsumerConfiguration existing = info.getConsumerConfiguration();
    List<String> problems = new ArrayList<>();
    if (existing.getAckPolicy() != AckPolicy.Explicit) {
      problems.add(
          "its ack policy is " + existing.getAckPolicy() + " but must be " + AckPolicy.Explicit);
    }
    if (existing.getMaxDeliver() > 0) {
      problems.add(
          "its max deliver is " + existing.getMaxDeliver() + " but must be unlimited (-1)");
    }
    String filter = existing.getFilterSubject();
    if (filter != null && !filter.isEmpty() && !filter.equals(stream.subject())) {
      problems.add("its filter subject is '" + filter + "' but must be '" + stream.subject() + "'");
    }
    if (!ackWait.equals(existing.getAckWait())) {
      problems.add(
          "its ack wait is "
              + existing.getAckWait()
              + " but "
              + stream.key("relay.ack-wait")
              + " is "
              + ackWait);
    }
    if (existing.getMaxAckPending() != maxAckPending) {
      problems.add(
          "its max ack pending is "
              + existing.getMaxAckPending()
              + " but "
              + stream.key("relay.max-ack-pending")
              + " is "
              + maxAckPending);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "the JetStream consumer '"
              + durable
              + "' of stream '"
              + stream.name()
              + "' ("
              + stream.key("relay.durable")
              + ") differs from the configuration: "
              + String.join("; ", problems)
              + ". Change or delete the consumer (nats consumer edit/rm), or the settings");
    }
  }
}
