package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.ConsumerInfo;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.core.TallyComponent;
import io.tally.core.batch.Coalescing;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay from the stream into the database: a JetStream durable pull consumer that writes the
 * connection events it fetches to a {@link ConnectionLogStore} and acknowledges each message only
 * after the batch that holds it is committed.
 *
 * <pre>{@code
 * NatsRelay relay = NatsRelay.builder(connectionLogStore)
 *     .url("nats://127.0.0.1:4222")
 *     .build();                        // creates or checks the consumer, starts the worker
 * ...
 * relay.close();
 * }</pre>
 *
 * <p><b>The loop.</b> One worker thread fetches up to {@code batchSize} messages, waiting at most
 * {@code flushInterval} for them; decodes them; coalesces them with {@link
 * ConnectionEvents#coalescing()} (the batcher's key and merge rule), keeping per coalesced event
 * the messages it covers; writes the events with one {@code upsertBatch} bounded by {@code
 * flushTimeout}; and then acknowledges every message of the batch. The in-core {@code Batcher} is
 * not used because it cannot say when a given item was committed; this loop applies the same
 * coalescing and failure rules and knows exactly which messages a committed batch covers.
 *
 * <p><b>Failures.</b> A store failure that is not a data error ({@link StoreException#kindOf} other
 * than {@code DATA}) leaves the messages unacknowledged; the relay retries the batch with capped
 * exponential backoff from the {@link Clock}, telling the server the messages are in progress so
 * that they are not redelivered meanwhile, for as long as it takes. A data error is bisected until
 * the offending event is alone; the rest is written, and that event's messages are terminated
 * ({@code term}) and counted with reason {@value DropReasons#REJECTED}. A store that does not
 * classify its failures ({@code UNKNOWN}) gets the same after the batch failed 3 times in a row,
 * but an event that fails alone is terminated only if another part of the batch was written in that
 * run and a second try alone fails too; when no part could be written (a store that is down fails
 * every part) nothing is terminated: the messages are handed back, redelivered after the longest
 * backoff in other batches, and the relay goes on. (So an event that fails alone is told apart from
 * a store that is down only once it shares a batch with events that can be written; on a stream
 * without other traffic it keeps coming back.) A message that cannot be decoded, or whose values
 * break the {@linkplain io.tally.core.InputRules input rules} (a NUL, a time out of range), is
 * terminated and counted with reason {@value #DROP_UNDECODABLE}. An event of a connection type this
 * version does not know is kept under its type name as sent (see the package comment).
 *
 * <p><b>Several relays</b> built with the same durable name share one consumer: the server hands
 * each message to one of them. A relay that dies loses nothing: its unacknowledged messages are
 * redelivered after {@code ackWait}; the store's upsert is idempotent and the coalescing rules are
 * order-independent, so a redelivery changes no row. {@code ackWait} must exceed {@code
 * flushInterval + flushTimeout}.
 *
 * <p><b>Stats.</b> {@code accepted} counts messages taken from the stream and not handed back,
 * {@code flushedRows} rows written, {@code coalesced} messages folded into another event, {@code
 * pending} messages held unacknowledged; {@link #relayed()} counts messages acknowledged after
 * their batch was committed. Thread-safe.
 */
public final class NatsRelay implements TallyComponent {
  private static final Logger log = LoggerFactory.getLogger(NatsRelay.class);

  /** Drop reason: a message that is not a connection event this version can read: {@value}. */
  public static final String DROP_UNDECODABLE = "undecodable";

  /** Default component name: {@value}. */
  public static final String DEFAULT_NAME = "connection-log-relay";

  /** Default maximum messages per batch: {@value}. */
  public static final int DEFAULT_BATCH_SIZE = 1000;

  /** Default longest wait for a batch to fill: 1 second. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

  /** Default bound on one store call: 10 seconds. */
  public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);

  /** Default time the server waits for an acknowledgement before redelivering: 30 seconds. */
  public static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);

  /** Default delay before the first retry of a failed batch: 250 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(250);

  /** Default longest delay between retries: 5 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /** Default bound on {@code close()}: 10 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final String name;
  private final Connection connection;
  private final boolean ownsConnection;
  private final NatsStream stream;
  private final String durable;
  private final int batchSize;
  private final Duration flushInterval;
  private final Backoff backoff;
  private final Duration shutdownTimeout;
  private final Coalescing<ConnectionEvent> coalescing = ConnectionEvents.coalescing();
  private final Outcomes outcomes;
  private final RelayWriter<Message> writer;
  private final JetStreamSubscription subscription;
  private final Thread worker;
  private final AtomicLong unknownTypes = new AtomicLong();
  private final Set<String> unknownTypeNames = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private NatsRelay(Builder b, Connection connection, JetStreamSubscription subscription) {
    this.name = b.name;
    this.connection = connection;
    this.ownsConnection = b.ownsConnection();
    this.stream = b.stream;
    this.durable = b.durable();
    this.batchSize = b.batchSize;
    this.flushInterval = b.flushInterval;
    this.backoff = new Backoff(b.initialBackoff, b.maxBackoff, 0);
    this.shutdownTimeout = b.shutdownTimeout;
    this.outcomes = new Outcomes(b.name, log, b.clock, b.healthPolicy);
    this.writer =
        new RelayWriter<>(
            b.store,
            new JetStreamMessages(),
            b.flushTimeout,
            b.ackWait,
            backoff,
            b.clock,
            outcomes);
    this.subscription = subscription;
    this.worker = new Thread(this::run, "tally-nats-relay-" + THREADS.incrementAndGet());
    this.worker.setDaemon(true);
  }

  /** What the writer does to a JetStream message. */
  private static final class JetStreamMessages implements RelayWriter.Messages<Message> {
    @Override
    public void ack(Message m) {
      try {
        m.ack();
      } catch (RuntimeException e) {
        log.debug(
            "ack failed (connection lost); the message comes back and its upsert repeats harmlessly",
            e);
      }
    }

    @Override
    public void term(Message m) {
      try {
        m.term();
      } catch (RuntimeException e) {
        log.debug("term failed (connection lost); the message comes back", e);
      }
    }

    @Override
    public void inProgress(Message m) {
      m.inProgress();
    }

    @Override
    public void nak(Message m, Duration delay) {
      if (delay.isZero()) {
        m.nak();
      } else {
        m.nakWithDelay(delay);
      }
    }

    @Override
    public String describe(Message m) {
      try {
        return String.valueOf(m.metaData().streamSequence());
      } catch (RuntimeException e) {
        return "?";
      }
    }
  }

  /**
   * Starts a builder for a relay into {@code store}.
   *
   * @param store the connection-log store to write to; its upsert must be idempotent
   * @return a builder with every option at its default
   */
  public static Builder builder(ConnectionLogStore store) {
    return new Builder(Objects.requireNonNull(store, "store"));
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * @return the durable consumer's name
   */
  public String durable() {
    return durable;
  }

  /**
   * @return messages acknowledged after the batch holding them was committed
   */
  public long relayed() {
    return writer.relayed.get();
  }

  /**
   * @return events relayed whose connection type this version does not know (a newer publisher's);
   *     they are stored under their type name as sent
   */
  public long unknownTypes() {
    return unknownTypes.get();
  }

  /**
   * Asks the server how many messages of the consumer are not yet acknowledged: waiting to be
   * delivered plus delivered and unacknowledged (by any relay sharing the consumer).
   *
   * @return the backlog
   * @throws IllegalStateException if the server cannot answer
   */
  public long backlog() {
    try {
      ConsumerInfo info = connection.jetStreamManagement().getConsumerInfo(stream.name(), durable);
      return info.getNumPending() + info.getNumAckPending();
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException(
          "cannot read the consumer '" + durable + "': " + e.getMessage(), e);
    }
  }

  private void run() {
    while (!writer.stopping()) {
      List<Message> fetched;
      try {
        fetched = subscription.fetch(batchSize, flushInterval);
      } catch (RuntimeException e) {
        if (writer.stopping()) {
          break;
        }
        outcomes.failure("fetching from stream '" + stream.name() + "'", e);
        try {
          writer.sleep(backoff.max(), List.of());
        } catch (RelayWriter.Stopping s) {
          break;
        }
        continue;
      }
      if (fetched.isEmpty()) {
        continue;
      }
      try {
        relay(fetched);
      } catch (RelayWriter.Stopping s) {
        break;
      } catch (RuntimeException e) {
        // a defect, not a store failure (those are retried inside): never let it end the relay
        log.error(
            "{}: relaying a batch failed unexpectedly; unacknowledged messages come back", name, e);
        outcomes.failure("relaying a batch", e);
      }
    }
  }

  private void relay(List<Message> fetched) throws RelayWriter.Stopping {
    writer.took(fetched.size());
    RelayBatch<ConnectionEvent, Message> batch = new RelayBatch<>(coalescing);
    for (Message m : fetched) {
      ConnectionEvent event;
      try {
        event = Wire.decode(m.getData());
      } catch (RuntimeException e) {
        writer.terminate(m, DROP_UNDECODABLE, e.getMessage());
        continue;
      }
      if (!event.type().wireName().equals(event.typeName())) {
        unknownTypes.incrementAndGet();
        if (unknownTypeNames.size() < 100 && unknownTypeNames.add(event.typeName())) {
          log.warn(
              "{}: connection type '{}' is unknown to this version; such events are stored under that name",
              name,
              Wire.shorten(event.typeName()));
        }
      }
      batch.add(event, m);
    }
    if (!batch.entries().isEmpty()) {
      writer.write(batch.entries());
      try {
        connection.flush(Duration.ofSeconds(1)); // push the acknowledgements out now
      } catch (TimeoutException | RuntimeException e) {
        log.debug(
            "{}: flushing acknowledgements failed; unacknowledged messages come back", name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public ComponentStats stats() {
    return outcomes
        .fill(ComponentStats.builder(name))
        .accepted(writer.taken.get() - writer.released.get())
        .flushedRows(writer.rows.get())
        .coalesced(writer.coalesced.get())
        .flushes(writer.flushes.get())
        .retries(writer.retries.get())
        .pending(writer.held.get())
        .build();
  }

  @Override
  public Health health() {
    return outcomes.health();
  }

  /**
   * Stops the relay: the batch being written gets the rest of the shutdown timeout to commit (and
   * is acknowledged); a batch waiting for a retry is handed back to the server for another relay.
   * Messages the relay still holds when the timeout passes are redelivered after the ack wait.
   * Closes the connection if the relay opened it. Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    writer.stop();
    try {
      worker.join(shutdownTimeout.toMillis());
      if (worker.isAlive()) {
        log.warn(
            "{}: the batch in progress did not finish within {}; it will be redelivered",
            name,
            shutdownTimeout);
        worker.interrupt();
        worker.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.close(); // what it still holds, the server redelivers after the ack wait
    try {
      subscription.unsubscribe();
    } catch (RuntimeException e) {
      log.debug("{}: unsubscribing failed", name, e);
    }
    if (ownsConnection) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.warn("{}: closing the NATS connection failed", name, e);
      }
    }
    log.info("{}: closed; {}", name, stats());
  }

  @Override
  public String toString() {
    return "NatsRelay{name=" + name + ", stream=" + stream.name() + ", durable=" + durable + '}';
  }

  /** Builds and starts a {@link NatsRelay}; not thread-safe. */
  public static final class Builder extends NatsBuilder<Builder> {
    private final ConnectionLogStore store;
    private @Nullable String durable; // null: the stream's name + _RELAY
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int maxAckPending = -1;
    private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    private Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    private Duration ackWait = DEFAULT_ACK_WAIT;

    private Builder(ConnectionLogStore store) {
      super(DEFAULT_NAME, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_SHUTDOWN_TIMEOUT);
      this.store = store;
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * @param durable the durable consumer's name, shared by every relay of the stream (default: the
     *     stream's name followed by {@code _RELAY})
     * @return this
     */
    public Builder durable(String durable) {
      Objects.requireNonNull(durable, "durable");
      if (!durable.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "durable was '"
                + Wire.shorten(durable)
                + "' but must be 1 to 64 letters, digits, '_' or '-'");
      }
      this.durable = durable;
      return this;
    }

    /**
     * @param batchSize messages per batch at most; 1 to 100,000
     * @return this
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = Settings.requireRange("batchSize", batchSize, 1, 100_000);
      return this;
    }

    /**
     * @param maxAckPending messages the server lets all relays hold unacknowledged (default ten
     *     batches); at least the batch size
     * @return this
     */
    public Builder maxAckPending(int maxAckPending) {
      this.maxAckPending = Settings.requireRange("maxAckPending", maxAckPending, 1, 10_000_000);
      return this;
    }

    /**
     * @param flushInterval the longest wait for a batch to fill; positive
     * @return this
     */
    public Builder flushInterval(Duration flushInterval) {
      this.flushInterval = Settings.requirePositive("flushInterval", flushInterval);
      return this;
    }

    /**
     * @param flushTimeout bound on one store call; positive
     * @return this
     */
    public Builder flushTimeout(Duration flushTimeout) {
      this.flushTimeout = Settings.requirePositive("flushTimeout", flushTimeout);
      return this;
    }

    /**
     * @param ackWait how long the server waits for an acknowledgement before it redelivers; longer
     *     than {@code flushInterval + flushTimeout}
     * @return this
     */
    public Builder ackWait(Duration ackWait) {
      this.ackWait = Settings.requirePositive("ackWait", ackWait);
      return this;
    }

    private String durable() {
      return durable != null ? durable : stream.name() + "_RELAY";
    }

    private int maxAckPending() {
      return maxAckPending > 0 ? maxAckPending : (int) Math.min(10_000_000L, 10L * batchSize);
    }

    /**
     * Connects (unless a connection was given), creates or checks the stream and the durable
     * consumer, and starts the worker.
     *
     * @return the running relay
     * @throws IllegalArgumentException if {@code ackWait} is not longer than {@code flushInterval +
     *     flushTimeout}, or {@code maxAckPending} is below the batch size
     * @throws IllegalStateException if the server cannot be reached, or the stream or the consumer
     *     differs from the settings
     */
    public NatsRelay build() {
      Duration cycle = flushInterval.plus(flushTimeout);
      if (ackWait.compareTo(cycle) <= 0) {
        throw new IllegalArgumentException(
            "ackWait was "
                + ackWait
                + " but must be longer than flushInterval + flushTimeout ("
                + cycle
                + "), or batches being written would be redelivered ("
                + stream.key("relay.ack-wait")
                + ")");
      }
      if (maxAckPending() < batchSize) {
        throw new IllegalArgumentException(
            "maxAckPending was "
                + maxAckPending()
                + " but must be at least the batch size "
                + batchSize);
      }
      return start(
          "set up the relay consumer '" + durable() + "' on stream '" + stream.name() + "'",
          c -> {
            RelayConsumer.ensure(
                c.jetStreamManagement(), stream, durable(), ackWait, maxAckPending());
            JetStreamSubscription sub =
                c.jetStream()
                    .subscribe(
                        stream.subject(), PullSubscribeOptions.bind(stream.name(), durable()));
            NatsRelay relay = new NatsRelay(this, c, sub);
            relay.worker.start();
            log.info(
                "{}: relaying stream '{}' through consumer '{}' into {}",
                relay.name,
                stream.name(),
                durable(),
                store);
            return relay;
          });
    }
  }
}
