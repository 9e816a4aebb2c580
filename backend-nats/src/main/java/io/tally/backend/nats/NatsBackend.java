package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.tally.core.Clock;
import io.tally.core.ComponentOwner;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.Health;
import io.tally.core.TallyComponent;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection-log {@link Backend} that publishes every event to a NATS JetStream stream, from
 * where a {@link NatsRelay} writes it to the database.
 *
 * <pre>{@code
 * NatsBackend nats = NatsBackend.builder()
 *     .url("nats://127.0.0.1:4222")
 *     .stream(NatsStream.builder().replicas(3).build())
 *     .build();                        // connects, creates or checks the stream
 * nats.write(event);                   // an asynchronous publish
 * nats.close();                        // waits for the acknowledgements in flight
 * }</pre>
 *
 * <p><b>Publishing.</b> {@link #write} encodes the event (the wire format of this package, version
 * {@value Wire#VERSION}) and publishes it asynchronously with the event id as {@code Nats-Msg-Id},
 * so a re-publish within the stream's duplicate window is stored once. At most {@code maxInFlight}
 * events wait for the server's acknowledgement; when that many are in flight, {@code write} blocks
 * up to {@code writeTimeout} and then throws {@link RejectedExecutionException}, counting the event
 * as dropped with reason {@value DropReasons#QUEUE_FULL}. A publish that fails or is not
 * acknowledged within {@code publishTimeout} (server down, stream full, no quorum) is retried with
 * capped exponential backoff from the {@link Clock}, with the same message id, for as long as it
 * takes (or up to {@code maxAttempts} retries, then dropped with reason {@value
 * DropReasons#RETRIES_EXHAUSTED}). A full stream ({@code discard: new}) therefore holds events in
 * flight until the relay makes room, and then {@code write} blocks and throws: the publisher is
 * told, nothing is lost silently. A retry that comes after the duplicate window stores the event
 * twice in the stream; the relay's idempotent upsert makes the second copy change nothing.
 *
 * <p><b>What a crash can lose.</b> An event is durable once the server acknowledged it. A process
 * killed with events in flight loses those (at most {@code maxInFlight}); {@code close()} waits for
 * them. In synchronous mode ({@link Builder#synchronous(boolean)}) {@code write} returns only after
 * the acknowledgement, so a crash loses nothing it returned for; an event not acknowledged within
 * the write timeout makes {@code write} throw {@link NotAcknowledgedException} while the event
 * stays in flight.
 *
 * <p><b>Closing.</b> {@link #close()} stops intake, gives every event waiting for a retry one last
 * attempt, and waits up to {@code shutdownTimeout} for the acknowledgements; events still
 * unacknowledged then are dropped with reason {@value DropReasons#SHUTDOWN} (they may still have
 * reached the stream). Then it closes the connection if it opened it.
 *
 * <p><b>Stats.</b> {@code accepted} counts writes, {@code flushedRows} and {@code flushes} the
 * events the server acknowledged, {@code failedFlushes} failed publish attempts, {@code pending}
 * the events in flight. Thread-safe.
 */
public final class NatsBackend implements Backend<ConnectionEvent>, TallyComponent, ComponentOwner {
  private static final Logger log = LoggerFactory.getLogger(NatsBackend.class);

  /** Default component name: {@value}. */
  public static final String DEFAULT_NAME = "connection-log-nats";

  /** Default bound on events waiting for the server's acknowledgement: {@value}. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

  /** Default time {@code write} waits for room: 5 seconds. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

  /** Default time a publish waits for its acknowledgement: 5 seconds. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(5);

  /** Default delay before the first retry of a failed publish: 250 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(250);

  /** Default longest delay between retries: 5 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /** Default bound on {@code close()}: 10 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final Connection connection;
  private final boolean ownsConnection;
  private final JetStream js;
  private final NatsStream stream;
  private final int maxInFlight;
  private final boolean synchronous;
  private final Semaphore permits;
  private final Duration writeTimeout;
  private final Duration publishTimeout;
  private final Backoff backoff;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Outcomes outcomes;
  private final Set<Pending> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean closing;
  private volatile @Nullable NatsRelay relay; // set when a relay is attached

  private NatsBackend(Builder b, Connection connection) throws IOException {
    this.name = b.name;
    this.connection = connection;
    this.ownsConnection = b.ownsConnection();
    this.stream = b.stream;
    this.maxInFlight = b.maxInFlight;
    this.synchronous = b.synchronous;
    this.permits = new Semaphore(b.maxInFlight);
    this.writeTimeout = b.writeTimeout;
    this.publishTimeout = b.publishTimeout;
    this.backoff = new Backoff(b.initialBackoff, b.maxBackoff, b.maxAttempts);
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.outcomes = new Outcomes(b.name, log, b.clock, b.healthPolicy);
    this.js =
        connection.jetStream(JetStreamOptions.builder().requestTimeout(b.publishTimeout).build());
  }

  /**
   * @return a builder with every option at its default
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * @return the stream this backend publishes to
   */
  public NatsStream stream() {
    return stream;
  }

  /**
   * Publishes {@code event} asynchronously; see the class comment.
   *
   * @param event the event
   * @throws NullPointerException if {@code event} is null
   * @throws IllegalStateException after {@link #close()}
   * @throws RejectedExecutionException if {@code maxInFlight} events stayed in flight for the whole
   *     write timeout (the event is counted as dropped, {@value DropReasons#QUEUE_FULL})
   * @throws NotAcknowledgedException in synchronous mode, if the stream did not acknowledge the
   *     event within the write timeout (it stays in flight and is still retried)
   */
  @Override
  public void write(ConnectionEvent event) {
    Objects.requireNonNull(event, "event");
    if (closing) {
      throw new IllegalStateException(name + " is closed");
    }
    accepted.incrementAndGet();
    long start = synchronous ? Clock.system().nanoTime() : 0;
    boolean acquired;
    try {
      acquired = permits.tryAcquire(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcomes.drop(
          DropReasons.QUEUE_FULL,
          1,
          "interrupted while " + maxInFlight + " events were in flight",
          null);
      throw new RejectedExecutionException(name + ": interrupted while waiting for room", e);
    }
    if (!acquired) {
      outcomes.drop(
          DropReasons.QUEUE_FULL,
          1,
          maxInFlight
              + " events stayed in flight (unacknowledged by the stream) for "
              + writeTimeout,
          null);
      throw new RejectedExecutionException(
          name
              + ": "
              + maxInFlight
              + " events stayed in flight for "
              + writeTimeout
              + "; the stream does not acknowledge");
    }
    Pending p = new Pending(event.id().toString(), Wire.encode(event));
    inFlight.add(p);
    send(p);
    if (synchronous) {
      awaitAcknowledged(p, writeTimeout.toNanos() - (Clock.system().nanoTime() - start));
    }
  }

  private void awaitAcknowledged(Pending p, long nanos) {
    try {
      if (p.finished.await(Math.max(0, nanos), TimeUnit.NANOSECONDS)) {
        if (!p.acknowledged) {
          throw new NotAcknowledgedException(
              name + ": the event " + p.msgId + " was given up (see stats().dropped())", false);
        }
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new NotAcknowledgedException(
        name
            + ": the stream did not acknowledge event "
            + p.msgId
            + " within "
            + writeTimeout
            + "; it stays in flight and is retried, so it may still be stored",
        true);
  }

  private void send(Pending p) {
    p.attempts++;
    PublishOptions options =
        PublishOptions.builder().messageId(p.msgId).expectedStream(stream.name()).build();
    CompletableFuture<PublishAck> future;
    try {
      future = js.publishAsync(stream.subject(), p.data, options);
    } catch (IllegalArgumentException e) {
      // the message itself cannot be sent (larger than the server's max payload): never will be
      finish(p);
      outcomes.drop(DropReasons.REJECTED, 1, "the server refuses the message itself", e);
      return;
    } catch (RuntimeException e) {
      failed(p, e);
      return;
    }
    future
        .orTimeout(publishTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete(
            (ack, failure) -> {
              if (failure == null) {
                acknowledged(p, ack);
              } else {
                failed(p, failure);
              }
            });
  }

  private void acknowledged(Pending p, PublishAck ack) {
    p.acknowledged = true;
    if (finish(p)) {
      published.incrementAndGet();
      if (ack.isDuplicate()) {
        duplicates.incrementAndGet();
      }
      outcomes.success();
    }
  }

  private void failed(Pending p, Throwable failure) {
    if (p.done.get()) {
      return;
    }
    outcomes.failure("publishing to stream '" + stream.name() + "'", failure);
    if (closing) {
      if (finish(p)) { // the last attempt, made by close(), failed
        outcomes.drop(DropReasons.SHUTDOWN, 1, "the last publish attempt at close failed", failure);
      }
      return;
    }
    if (backoff.exhausted(p.attempts)) {
      if (finish(p)) {
        outcomes.drop(
            DropReasons.RETRIES_EXHAUSTED,
            1,
            "publishing failed " + p.attempts + " times",
            failure);
      }
      return;
    }
    retries.incrementAndGet();
    p.retry =
        clock.schedule(
            backoff.delay(p.attempts),
            () -> {
              p.retry = null;
              if (!p.done.get()) {
                send(p); // after close() started too: then it is the last attempt
              }
            });
  }

  /**
   * @return true if this call finished {@code p} (released its permit)
   */
  private boolean finish(Pending p) {
    if (!p.done.compareAndSet(false, true)) {
      return false;
    }
    inFlight.remove(p);
    permits.release();
    p.finished.countDown();
    return true;
  }

  /**
   * Makes {@code relay} part of this backend: {@link #close()} closes it after the publisher. Used
   * by the provider when {@code tally.backend.nats.relay.enabled} is true.
   */
  void attach(NatsRelay relay) {
    this.relay = relay;
  }

  /**
   * @return the relay started with this backend by the provider, if any
   */
  public java.util.Optional<NatsRelay> relay() {
    return java.util.Optional.ofNullable(relay);
  }

  /**
   * Returns the relay started with this backend by the provider, if any, so that {@code
   * Tally.stats()}, {@code health()} and {@code components()} show it as a component of its own.
   *
   * @return the relay, or an empty list
   */
  @Override
  public List<TallyComponent> ownedComponents() {
    NatsRelay r = relay;
    return r == null ? List.of() : List.of(r);
  }

  /**
   * @return events acknowledged by the server as duplicates (already in the stream)
   */
  public long duplicates() {
    return duplicates.get();
  }

  /**
   * @return events currently waiting for the server's acknowledgement
   */
  public int inFlight() {
    return inFlight.size();
  }

  @Override
  public ComponentStats stats() {
    long acked = published.get();
    return outcomes
        .fill(ComponentStats.builder(name))
        .accepted(accepted.get())
        .flushedRows(acked)
        .flushes(acked)
        .retries(retries.get())
        .pending(inFlight.size())
        .build();
  }

  /**
   * Returns the publisher's health; with a relay started by the provider, the worse of the
   * publisher's and the relay's (the relay's own counters are in {@code relay().get().stats()}, and
   * in {@code Tally.stats()} as a component of their own).
   */
  @Override
  public Health health() {
    NatsRelay r = relay;
    return r == null ? outcomes.health() : outcomes.health().worst(r.health());
  }

  /**
   * Stops intake and waits up to the shutdown timeout for the events in flight; see the class
   * comment. Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Clock real = Clock.system();
    long deadline = real.nanoTime() + shutdownTimeout.toNanos();
    closing = true;
    // events waiting for a retry get one last attempt now
    for (Pending p : new ArrayList<>(inFlight)) {
      Clock.Cancellable retry = p.retry;
      if (retry != null && retry.cancel() && !p.done.get()) {
        send(p);
      }
    }
    waitForAcks(real, deadline);
    List<Pending> left = new ArrayList<>(inFlight);
    int lost = 0;
    for (Pending p : left) {
      if (finish(p)) {
        lost++;
      }
    }
    if (lost > 0) {
      outcomes.drop(
          DropReasons.SHUTDOWN,
          lost,
          "not acknowledged by the stream within the shutdown timeout "
              + shutdownTimeout
              + " (they may still be in it)",
          null);
    }
    NatsRelay r = relay;
    if (r != null) {
      r.close();
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

  private void waitForAcks(Clock real, long deadline) {
    while (!inFlight.isEmpty() && real.nanoTime() - deadline < 0) {
      try {
        if (permits.tryAcquire(maxInFlight, 20, TimeUnit.MILLISECONDS)) {
          permits.release(maxInFlight);
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "NatsBackend{name="
        + name
        + ", stream="
        + stream.name()
        + ", subject="
        + stream.subject()
        + '}';
  }

  /** One event in flight. */
  private static final class Pending {
    final String msgId;
    final byte[] data;
    final AtomicBoolean done = new AtomicBoolean();
    final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    volatile boolean acknowledged;
    volatile int attempts;
    volatile Clock.@Nullable Cancellable retry;

    Pending(String msgId, byte[] data) {
      this.msgId = msgId;
      this.data = data;
    }
  }

  /** Builds a {@link NatsBackend}; not thread-safe. */
  public static final class Builder extends NatsBuilder<Builder> {
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private int maxAttempts;
    private boolean synchronous;

    private Builder() {
      super(DEFAULT_NAME, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_SHUTDOWN_TIMEOUT);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * @param maxInFlight events waiting for acknowledgement at most; 1 to 1,000,000
     * @return this
     */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = Settings.requireRange("maxInFlight", maxInFlight, 1, 1_000_000);
      return this;
    }

    /**
     * @param writeTimeout how long {@code write} waits for room; positive
     * @return this
     */
    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = Settings.requirePositive("writeTimeout", writeTimeout);
      return this;
    }

    /**
     * @param publishTimeout how long a publish waits for its acknowledgement; positive
     * @return this
     */
    public Builder publishTimeout(Duration publishTimeout) {
      this.publishTimeout = Settings.requirePositive("publishTimeout", publishTimeout);
      return this;
    }

    /**
     * Makes {@code write} wait until the stream acknowledged the event (up to the write timeout),
     * so that a crash loses nothing {@code write} returned for, at the cost of one round trip per
     * write. Off by default: then a crash can lose the events in flight (at most {@code
     * maxInFlight}).
     *
     * @param synchronous whether {@code write} waits for the acknowledgement
     * @return this
     */
    public Builder synchronous(boolean synchronous) {
      this.synchronous = synchronous;
      return this;
    }

    /**
     * @param maxAttempts retries of a failed publish before it is dropped; 0 (the default) retries
     *     until {@code close()}
     * @return this
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = Settings.requireRange("maxAttempts", maxAttempts, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Connects (unless a connection was given) and creates or checks the stream.
     *
     * @return the backend
     * @throws IllegalStateException if the server cannot be reached, or the stream is missing (and
     *     may not be created) or differs from {@link #stream(NatsStream)}
     */
    public NatsBackend build() {
      return start(
          "create or check the JetStream stream '" + stream.name() + "'",
          c -> new NatsBackend(this, c));
    }
  }
}
