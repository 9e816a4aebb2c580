package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import io.tally.core.StoreException;
import io.tally.core.TallyComponent;
import io.tally.core.batch.Coalescing;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * flushTimeout}; and then acknowledges every message of the batch. The in-core {@code Batcher}
 * is not used because it cannot say when a given item was committed; this loop applies the same
 * coalescing and failure rules and knows exactly which messages a committed batch covers.
 *
 * <p><b>Failures.</b> A store failure that is not a data error ({@link StoreException#kindOf}
 * other than {@code DATA}) leaves the messages unacknowledged; the relay retries the batch with
 * capped exponential backoff from the {@link Clock}, telling the server the messages are in
 * progress so that they are not redelivered meanwhile, for as long as it takes. A data error is
 * bisected until the offending event is alone; the rest is written, and that event's messages
 * are terminated ({@code term}) and counted with reason {@value DropReasons#REJECTED}. A message
 * that cannot be decoded is terminated and counted with reason {@value #DROP_UNDECODABLE}. An
 * event of a connection type this version does not know is kept (see the package comment).
 *
 * <p><b>Several relays</b> built with the same durable name share one consumer: the server hands
 * each message to one of them. A relay that dies loses nothing: its unacknowledged messages are
 * redelivered after {@code ackWait}; the store's upsert is idempotent and the coalescing rules
 * are order-independent, so a redelivery changes no row. {@code ackWait} must exceed {@code
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

  /** JetStream's "consumer not found" error code. */
  private static final int CONSUMER_NOT_FOUND = 10014;

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final String name;
  private final ConnectionLogStore store;
  private final Connection connection;
  private final boolean ownsConnection;
  private final NatsStream stream;
  private final String durable;
  private final int batchSize;
  private final Duration flushInterval;
  private final Duration flushTimeout;
  private final Duration ackWait;
  private final Backoff backoff;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Coalescing<ConnectionEvent> coalescing = ConnectionEvents.coalescing();
  private final Outcomes outcomes;
  private final JetStreamSubscription subscription;
  private final ExecutorService io;
  private final Thread worker;
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong released = new AtomicLong();
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private final AtomicLong relayed = new AtomicLong();
  private final AtomicLong flushes = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong unknownTypes = new AtomicLong();
  private final Set<String> unknownTypeNames = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean stopping;
  private volatile CountDownLatch pause;

  private NatsRelay(Builder b, Connection connection, JetStreamSubscription subscription) {
    this.name = b.name;
    this.store = b.store;
    this.connection = connection;
    this.ownsConnection = b.connection == null;
    this.stream = b.stream;
    this.durable = b.durable();
    this.batchSize = b.batchSize;
    this.flushInterval = b.flushInterval;
    this.flushTimeout = b.flushTimeout;
    this.ackWait = b.ackWait;
    this.backoff = new Backoff(b.initialBackoff, b.maxBackoff, 0);
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.outcomes = new Outcomes(b.name, log, b.clock, b.healthPolicy);
    this.subscription = subscription;
    int n = THREADS.incrementAndGet();
    this.io =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tally-nats-relay-io-" + n);
              t.setDaemon(true);
              return t;
            });
    this.worker = new Thread(this::run, "tally-nats-relay-" + n);
    this.worker.setDaemon(true);
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

  /** @return the durable consumer's name */
  public String durable() {
    return durable;
  }

  /** @return messages acknowledged after the batch holding them was committed */
  public long relayed() {
    return relayed.get();
  }

  /** @return events decoded with the fallback type because their type was unknown */
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
      throw new IllegalStateException("cannot read the consumer '" + durable + "': " + e.getMessage(), e);
    }
  }

  private void run() {
    while (!stopping) {
      List<Message> fetched;
      try {
        fetched = subscription.fetch(batchSize, flushInterval);
      } catch (RuntimeException e) {
        if (stopping) {
          break;
        }
        outcomes.failure("fetching from stream '" + stream.name() + "'", e);
        try {
          sleep(backoff.max(), List.of());
        } catch (Stopping s) {
          break;
        }
        continue;
      }
      if (fetched.isEmpty()) {
        continue;
      }
      try {
        relay(fetched);
      } catch (Stopping s) {
        break;
      } catch (RuntimeException | Error e) {
        log.error("{}: relaying a batch failed unexpectedly; its messages will be redelivered", name, e);
        nakAll(fetched);
      }
    }
  }

  private void relay(List<Message> fetched) throws Stopping {
    taken.addAndGet(fetched.size());
    held.addAndGet(fetched.size());
    RelayBatch<ConnectionEvent, Message> batch = new RelayBatch<>(coalescing);
    for (Message m : fetched) {
      Wire.Decoded d;
      try {
        d = Wire.decode(m.getData());
      } catch (RuntimeException e) {
        m.term();
        held.decrementAndGet();
        outcomes.drop(DROP_UNDECODABLE, 1, "message " + sequence(m) + ": " + e.getMessage(), null);
        continue;
      }
      if (d.unknownType() != null) {
        unknownTypes.incrementAndGet();
        if (unknownTypeNames.size() < 100 && unknownTypeNames.add(d.unknownType())) {
          log.warn(
              "{}: connection type '{}' is unknown to this version; such events are stored as {}",
              name,
              Wire.shorten(d.unknownType()),
              Wire.UNKNOWN_TYPE_FALLBACK.wireName());
        }
      }
      batch.add(d.event(), m);
    }
    if (!batch.entries().isEmpty()) {
      write(batch.entries());
      try {
        connection.flush(Duration.ofSeconds(1)); // push the acknowledgements out now
      } catch (TimeoutException | RuntimeException e) {
        log.debug("{}: flushing acknowledgements failed; unacknowledged messages come back", name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Writes {@code entries}, retrying transient failures and bisecting data errors. */
  private void write(List<RelayBatch.Entry<ConnectionEvent, Message>> entries) throws Stopping {
    int attempt = 0;
    while (true) {
      Throwable failure = upsert(entries);
      if (failure == null) {
        committed(entries);
        return;
      }
      if (StoreException.kindOf(failure) == StoreException.Kind.DATA) {
        if (entries.size() == 1) {
          reject(entries.get(0), failure);
        } else {
          int mid = entries.size() / 2;
          write(entries.subList(0, mid));
          write(entries.subList(mid, entries.size()));
        }
        return;
      }
      attempt++;
      outcomes.failure("writing " + entries.size() + " connection-log rows", failure);
      retries.incrementAndGet();
      sleep(backoff.delay(attempt), entries);
    }
  }

  /** @return null when the store committed, else what it threw (a timeout included) */
  private Throwable upsert(List<RelayBatch.Entry<ConnectionEvent, Message>> entries) throws Stopping {
    List<ConnectionEvent> events = new ArrayList<>(entries.size());
    for (RelayBatch.Entry<ConnectionEvent, Message> e : entries) {
      events.add(e.item);
    }
    Future<?> call;
    try {
      call = io.submit(() -> store.upsertBatch(events));
    } catch (RuntimeException e) {
      return e;
    }
    try {
      call.get(flushTimeout.toNanos(), TimeUnit.NANOSECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      call.cancel(true);
      return new StoreException(
          "the store call did not finish within " + flushTimeout, e, StoreException.Kind.TRANSIENT);
    } catch (InterruptedException e) {
      call.cancel(true);
      release(entries);
      throw new Stopping();
    }
  }

  private void committed(List<RelayBatch.Entry<ConnectionEvent, Message>> entries) {
    int n = 0;
    for (RelayBatch.Entry<ConnectionEvent, Message> e : entries) {
      for (Message m : e.messages) {
        m.ack();
        n++;
      }
    }
    rows.addAndGet(entries.size());
    coalesced.addAndGet(n - entries.size());
    relayed.addAndGet(n);
    held.addAndGet(-n);
    flushes.incrementAndGet();
    outcomes.success();
  }

  private void reject(RelayBatch.Entry<ConnectionEvent, Message> entry, Throwable failure) {
    for (Message m : entry.messages) {
      m.term();
    }
    held.addAndGet(-entry.messages.size());
    outcomes.drop(
        DropReasons.REJECTED,
        entry.messages.size(),
        "the store rejected event " + entry.item.id() + " (messages " + sequences(entry.messages) + ")",
        failure);
  }

  /**
   * Waits {@code delay} on the clock, telling the server every third of the ack wait that the
   * held messages are in progress.
   *
   * @throws Stopping if the relay stops meanwhile (the messages were handed back)
   */
  private void sleep(Duration delay, List<RelayBatch.Entry<ConnectionEvent, Message>> entries) throws Stopping {
    CountDownLatch done = new CountDownLatch(1);
    pause = done;
    Clock.Cancellable timer = clock.schedule(delay, done::countDown);
    long slice = Math.max(1, ackWait.toMillis() / 3);
    try {
      inProgress(entries);
      while (!stopping && !done.await(slice, TimeUnit.MILLISECONDS)) {
        inProgress(entries);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timer.cancel();
      pause = null;
    }
    if (stopping || Thread.currentThread().isInterrupted()) {
      release(entries);
      throw new Stopping();
    }
  }

  private static void inProgress(List<RelayBatch.Entry<ConnectionEvent, Message>> entries) {
    for (RelayBatch.Entry<ConnectionEvent, Message> e : entries) {
      for (Message m : e.messages) {
        try {
          m.inProgress();
        } catch (RuntimeException lost) {
          return; // connection lost: the server redelivers after the ack wait, harmlessly
        }
      }
    }
  }

  /** Hands {@code entries}' messages back to the server for redelivery. */
  private void release(List<RelayBatch.Entry<ConnectionEvent, Message>> entries) {
    List<Message> messages = new ArrayList<>();
    for (RelayBatch.Entry<ConnectionEvent, Message> e : entries) {
      messages.addAll(e.messages);
    }
    nakAll(messages);
  }

  private void nakAll(List<Message> messages) {
    for (Message m : messages) {
      try {
        m.nak();
      } catch (RuntimeException e) {
        log.debug("{}: nak failed; the message comes back after the ack wait", name, e);
      }
    }
    released.addAndGet(messages.size());
    held.addAndGet(-messages.size());
  }

  private static String sequence(Message m) {
    try {
      return String.valueOf(m.metaData().streamSequence());
    } catch (RuntimeException e) {
      return "?";
    }
  }

  private static String sequences(List<Message> messages) {
    List<String> out = new ArrayList<>();
    for (Message m : messages) {
      out.add(sequence(m));
    }
    return String.join(",", out);
  }

  @Override
  public ComponentStats stats() {
    return outcomes
        .fill(ComponentStats.builder(name))
        .accepted(taken.get() - released.get())
        .flushedRows(rows.get())
        .coalesced(coalesced.get())
        .flushes(flushes.get())
        .retries(retries.get())
        .pending(held.get())
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
    stopping = true;
    CountDownLatch p = pause;
    if (p != null) {
      p.countDown();
    }
    try {
      worker.join(shutdownTimeout.toMillis());
      if (worker.isAlive()) {
        log.warn("{}: the batch in progress did not finish within {}; it will be redelivered", name, shutdownTimeout);
        worker.interrupt();
        worker.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.shutdownNow();
    long left = held.getAndSet(0);
    released.addAndGet(left); // the server redelivers them after the ack wait
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

  /** The relay stops: the batch in hand was handed back. */
  private static final class Stopping extends Exception {
    private static final long serialVersionUID = 1L;

    Stopping() {
      super(null, null, false, false);
    }
  }

  /** Builds and starts a {@link NatsRelay}; not thread-safe. */
  public static final class Builder {
    private final ConnectionLogStore store;
    private String url = NatsBackendProvider.DEFAULT_URL;
    private Connection connection;
    private NatsStream stream = NatsStream.builder().build();
    private String durable;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int maxAckPending = -1;
    private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    private Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    private Duration ackWait = DEFAULT_ACK_WAIT;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private Clock clock = Clock.system();
    private HealthPolicy healthPolicy = HealthPolicy.defaults();
    private String name = DEFAULT_NAME;

    private Builder(ConnectionLogStore store) {
      this.store = store;
    }

    /** @param url the NATS server URL(s); the relay opens and closes its own connection @return this */
    public Builder url(String url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /** @param connection a connection to use instead of {@link #url(String)}; the caller closes it @return this */
    public Builder connection(Connection connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /** @param stream the stream to relay from @return this */
    public Builder stream(NatsStream stream) {
      this.stream = Objects.requireNonNull(stream, "stream");
      return this;
    }

    /**
     * @param durable the durable consumer's name, shared by every relay of the stream (default:
     *     the stream's name followed by {@code _RELAY})
     * @return this
     */
    public Builder durable(String durable) {
      Objects.requireNonNull(durable, "durable");
      if (!durable.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "durable was '" + Wire.shorten(durable) + "' but must be 1 to 64 letters, digits, '_' or '-'");
      }
      this.durable = durable;
      return this;
    }

    /** @param batchSize messages per batch at most; 1 to 100,000 @return this */
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

    /** @param flushInterval the longest wait for a batch to fill; positive @return this */
    public Builder flushInterval(Duration flushInterval) {
      this.flushInterval = Settings.requirePositive("flushInterval", flushInterval);
      return this;
    }

    /** @param flushTimeout bound on one store call; positive @return this */
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

    /**
     * @param initialBackoff delay before the first retry of a failed batch; positive
     * @param maxBackoff longest delay; at least {@code initialBackoff}
     * @return this
     */
    public Builder backoff(Duration initialBackoff, Duration maxBackoff) {
      Settings.requirePositive("initialBackoff", initialBackoff);
      Settings.requirePositive("maxBackoff", maxBackoff);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff was " + maxBackoff + " but must be >= initialBackoff " + initialBackoff);
      }
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** @param shutdownTimeout bound on {@code close()}; positive @return this */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = Settings.requirePositive("shutdownTimeout", shutdownTimeout);
      return this;
    }

    /** @param clock where retry delays and stats times come from @return this */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** @param healthPolicy when the relay reports degraded or failing @return this */
    public Builder healthPolicy(HealthPolicy healthPolicy) {
      this.healthPolicy = Objects.requireNonNull(healthPolicy, "healthPolicy");
      return this;
    }

    /** @param name the component's name in stats and logs @return this */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
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
            "ackWait was " + ackWait + " but must be longer than flushInterval + flushTimeout (" + cycle
                + "), or batches being written would be redelivered (" + stream.key("relay.ack-wait") + ")");
      }
      if (maxAckPending() < batchSize) {
        throw new IllegalArgumentException(
            "maxAckPending was " + maxAckPending() + " but must be at least the batch size " + batchSize);
      }
      Connection c =
          connection != null ? connection : Connections.open(url, "tally-" + name, stream.key("url"));
      try {
        JetStreamManagement jsm = c.jetStreamManagement();
        stream.ensure(jsm);
        ensureConsumer(jsm);
        JetStreamSubscription sub =
            c.jetStream().subscribe(stream.subject(), PullSubscribeOptions.bind(stream.name(), durable()));
        NatsRelay relay = new NatsRelay(this, c, sub);
        relay.worker.start();
        log.info("{}: relaying stream '{}' through consumer '{}' into {}", name, stream.name(), durable(), store);
        return relay;
      } catch (IOException | JetStreamApiException | RuntimeException e) {
        if (connection == null) {
          Settings.closeQuietly(c, e);
        }
        if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
          throw (RuntimeException) e;
        }
        throw new IllegalStateException(
            "cannot set up the relay consumer '" + durable() + "' on stream '" + stream.name() + "': " + e.getMessage(), e);
      }
    }

    private void ensureConsumer(JetStreamManagement jsm) throws IOException, JetStreamApiException {
      ConsumerInfo info;
      try {
        info = jsm.getConsumerInfo(stream.name(), durable());
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != CONSUMER_NOT_FOUND && e.getErrorCode() != 404) {
          throw e;
        }
        info = null;
      }
      if (info == null) {
        ConsumerConfiguration cc =
            ConsumerConfiguration.builder()
                .durable(durable())
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(ackWait)
                .maxDeliver(-1)
                .maxAckPending(maxAckPending())
                .filterSubject(stream.subject())
                .build();
        jsm.addOrUpdateConsumer(stream.name(), cc);
        return;
      }
      ConsumerConfiguration existing = info.getConsumerConfiguration();
      List<String> problems = new ArrayList<>();
      if (existing.getAckPolicy() != AckPolicy.Explicit) {
        problems.add("its ack policy is " + existing.getAckPolicy() + " but must be Explicit");
      }
      if (existing.getMaxDeliver() > 0) {
        problems.add("its max deliver is " + existing.getMaxDeliver() + " but must be unlimited (-1)");
      }
      String filter = existing.getFilterSubject();
      if (filter != null && !filter.isEmpty() && !filter.equals(stream.subject())) {
        problems.add("its filter subject is '" + filter + "' but must be '" + stream.subject() + "'");
      }
      if (!ackWait.equals(existing.getAckWait())) {
        problems.add("its ack wait is " + existing.getAckWait() + " but " + stream.key("relay.ack-wait") + " is " + ackWait);
      }
      if (existing.getMaxAckPending() != maxAckPending()) {
        problems.add(
            "its max ack pending is " + existing.getMaxAckPending() + " but " + stream.key("relay.max-ack-pending")
                + " is " + maxAckPending());
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException(
            "the JetStream consumer '" + durable() + "' of stream '" + stream.name() + "' ("
                + stream.key("relay.durable") + ") differs from the configuration: " + String.join("; ", problems)
                + ". Change or delete the consumer (nats consumer edit/rm), or the settings");
      }
    }
  }
}
