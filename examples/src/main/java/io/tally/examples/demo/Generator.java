package io.tally.examples.demo;

import io.tally.core.Clock;
import io.tally.core.Tally;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;

/**
 * One simulated slice of the fleet's agents: sends heartbeats ({@code markUsed}), boundary request
 * reports ({@code track}) and connection sessions to randomly chosen replicas at a target rate, and
 * records everything it sends in the {@link GroundTruth}.
 *
 * <p>Sessions are realistic on purpose: a connect and its disconnect often go to different replicas
 * (so different batchers), some disconnects are sent before their connect arrives, and some events
 * carry no connection id at all (they are stored as plain rows).
 */
final class Generator implements Runnable {
  private static final int BATCH = 64; // events sent per pause-lock acquisition
  private static final String[] AGENTS = {"main", "dev", "gpu"};

  private final List<Tally> replicas;
  private final World world;
  private final GroundTruth truth;
  private final double eventsPerSecond;
  private final Lock pauseLock;
  private final AtomicBoolean stop;
  private final SplittableRandom random;
  private final Clock clock = Clock.system();
  final LatencyRecorder markUsedLatency = new LatencyRecorder();
  final LatencyRecorder trackLatency = new LatencyRecorder();
  final LatencyRecorder writeLatency = new LatencyRecorder();
  final LongAdder sent;
  final LongAdder errors = new LongAdder();
  volatile Throwable lastError;

  /**
   * Per kind of call ({@link RateCheck#MARK_USED}, {@link RateCheck#TRACK}, {@link
   * RateCheck#WRITE}): calls that blocked (took {@link RateCheck#BLOCKED_NANOS} or more), the time
   * they took, and calls that threw. Written by this generator's thread only; read after it ended.
   */
  final long[] blockedCalls = new long[3];

  final long[] blockedNanos = new long[3];
  final long[] failedCalls = new long[3];

  /** Time spent waiting at period boundaries (the round's write lock); this thread's only. */
  long pausedNanos;

  private int calling; // the kind of the call in progress

  private final List<Open> open = new ArrayList<>();
  private final List<Open> connectsLater = new ArrayList<>();

  /** A session whose disconnect (or late connect) is still to be sent. */
  private static final class Open {
    final UUID connectionId;
    final UUID workspaceId;
    final String agent;
    final Instant connectTime;

    Open(UUID connectionId, UUID workspaceId, String agent, Instant connectTime) {
      this.connectionId = connectionId;
      this.workspaceId = workspaceId;
      this.agent = agent;
      this.connectTime = connectTime;
    }
  }

  Generator(
      List<Tally> replicas,
      World world,
      GroundTruth truth,
      double eventsPerSecond,
      Lock pauseLock,
      AtomicBoolean stop,
      long seed,
      LongAdder sent) {
    this.replicas = replicas;
    this.world = world;
    this.truth = truth;
    this.eventsPerSecond = eventsPerSecond;
    this.pauseLock = pauseLock;
    this.stop = stop;
    this.random = new SplittableRandom(seed);
    this.sent = sent;
  }

  @Override
  public void run() {
    long start = clock.nanoTime();
    long emitted = 0;
    while (!stop.get()) {
      int done = 0;
      long waitFrom = clock.nanoTime();
      pauseLock.lock();
      pausedNanos += clock.nanoTime() - waitFrom;
      try {
        for (; done < BATCH; done++) {
          emitOne(emitted + done);
        }
      } catch (RuntimeException e) {
        errors.increment();
        failedCalls[calling]++;
        lastError = e;
      } finally {
        pauseLock.unlock();
      }
      emitted += BATCH; // pace by attempts, so a failing call does not speed the others up
      sent.add(done);
      // Pace to the target rate: sleep until this many events are due.
      long dueAt = start + (long) (emitted * 1e9 / eventsPerSecond);
      long wait = dueAt - clock.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  private void emitOne(long n) {
    Tally replica = replicas.get(random.nextInt(replicas.size()));
    Instant now = clock.now().truncatedTo(ChronoUnit.MICROS);
    boolean sample = (n & 15) == 0;
    int kind = random.nextInt(10);
    if (kind < 4) {
      UUID workspace = world.workspace(random);
      calling = RateCheck.MARK_USED;
      long t0 = clock.nanoTime();
      replica.lastUsed().markUsed(workspace, now);
      took(clock.nanoTime() - t0, sample, markUsedLatency);
      truth.markUsed(workspace, now);
    } else if (kind < 7) {
      UUID workspace = world.workspace(random);
      UUID user = world.user(random);
      long allowed = random.nextInt(20);
      long denied = random.nextInt(4);
      calling = RateCheck.TRACK;
      long t0 = clock.nanoTime();
      replica.usageStats().track(workspace, user, allowed, denied);
      took(clock.nanoTime() - t0, sample, trackLatency);
      truth.track(workspace, user, allowed, denied);
    } else {
      calling = RateCheck.WRITE;
      long t0 = clock.nanoTime();
      connectionEvent(replica, now);
      took(clock.nanoTime() - t0, sample, writeLatency);
    }
  }

  /** Records a call of kind {@link #calling} that took {@code nanos}. */
  private void took(long nanos, boolean sample, LatencyRecorder latency) {
    if (sample) {
      latency.record(nanos);
    }
    if (nanos >= RateCheck.BLOCKED_NANOS) {
      blockedCalls[calling]++;
      blockedNanos[calling] += nanos;
    }
  }

  private void connectionEvent(Tally replica, Instant now) {
    int roll = random.nextInt(100);
    if (roll < 5) {
      // No connection id (e.g. a one-off web request): stored as its own row.
      UUID eventId = UUID.randomUUID();
      replica
          .connectionLog()
          .write(
              world.event(
                  eventId,
                  null,
                  world.workspace(random),
                  AGENTS[0],
                  now,
                  random.nextBoolean(),
                  random));
      truth.standalone(eventId);
    } else if (!connectsLater.isEmpty() && roll < 15) {
      // The connect of a session whose disconnect was sent first arrives late.
      Open late = connectsLater.remove(connectsLater.size() - 1);
      send(replica, late.connectionId, late.workspaceId, late.agent, late.connectTime, false);
    } else if (open.size() < 200 && (open.isEmpty() || roll < 60)) {
      UUID connectionId = UUID.randomUUID();
      UUID workspace = world.workspace(random);
      String agent = AGENTS[random.nextInt(AGENTS.length)];
      if (roll < 25) {
        // Disconnect first; its connect (earlier in time) follows later.
        send(replica, connectionId, workspace, agent, now, true);
        connectsLater.add(
            new Open(connectionId, workspace, agent, now.minusMillis(1 + random.nextInt(500))));
      } else {
        send(replica, connectionId, workspace, agent, now, false);
        open.add(new Open(connectionId, workspace, agent, now));
      }
    } else {
      Open s = open.remove(random.nextInt(open.size()));
      send(replica, s.connectionId, s.workspaceId, s.agent, now, true);
    }
  }

  /** Writes one event of a session and records it: only what {@code write} accepted counts. */
  private void send(
      Tally replica,
      UUID connectionId,
      UUID workspace,
      String agent,
      Instant at,
      boolean disconnect) {
    UUID eventId = UUID.randomUUID();
    replica
        .connectionLog()
        .write(world.event(eventId, connectionId, workspace, agent, at, disconnect, random));
    if (disconnect) {
      truth.disconnect(eventId, connectionId, workspace, agent, at);
    } else {
      truth.connect(eventId, connectionId, workspace, agent, at);
    }
  }
}
