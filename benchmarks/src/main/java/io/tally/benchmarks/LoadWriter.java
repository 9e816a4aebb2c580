package io.tally.benchmarks;

import io.tally.core.Clock;
import io.tally.core.Tally;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.examples.demo.DemoParts;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One writer thread of the load harness: connect and disconnect events of its own sessions, and per
 * connection event one {@code markUsed} and one {@code track}. It keeps its own record (primitive
 * arrays, so recording costs the hot path little) for the check at the end.
 *
 * <p>Session {@code k} of writer {@code w} has connection id {@code (w + 1, k)}; step {@code 2k}
 * connects session {@code k}, step {@code 2k + 1} disconnects session {@code k - OPEN} (so about
 * {@link #OPEN} sessions stay open, and a batch holds both inserts and updates of the same rows).
 */
final class LoadWriter implements Runnable {
  /** Sessions open at a time per writer: {@value}. */
  static final int OPEN = 256;

  /** Workspaces every writer spreads its sessions over: {@value}. */
  static final int WORKSPACES = 5_000;

  /** One call in this many is timed (per call kind): {@value}. */
  static final int SAMPLE_EVERY = 64;

  static final UUID[] WORKSPACE_IDS = Keys.uuids(WORKSPACES, 7);
  private static final UUID[] USERS = Keys.uuids(Keys.USERS, 8);
  private static final UUID ORG = new UUID(0x0a11L, 1);
  private static final String AGENT = "main";

  private final int index;
  private final Clock clock;
  private final long deadlineNanos;
  private final Consumer<ConnectionEvent> write;
  private final Tally tally; // null: connection events only (the raw strategy's writer)

  /** Sampled latencies in nanoseconds: write, markUsed, track. */
  final DemoParts.Latencies writeLatency = new DemoParts.Latencies();

  final DemoParts.Latencies markUsedLatency = new DemoParts.Latencies();
  final DemoParts.Latencies trackLatency = new DemoParts.Latencies();
  long events; // connection events written
  long otherCalls; // markUsed and track calls
  Throwable failure;

  private long[] connectMicros = new long[1 << 16];
  private long[] disconnectMicros = new long[1 << 16];
  private int sessions;
  private final Map<UUID, Instant> lastUsed = new HashMap<>();

  LoadWriter(
      int index, Clock clock, long deadlineNanos, Consumer<ConnectionEvent> write, Tally tally) {
    this.index = index;
    this.clock = clock;
    this.deadlineNanos = deadlineNanos;
    this.write = write;
    this.tally = tally;
  }

  @Override
  public void run() {
    try {
      for (long step = 0; ; step++) {
        if ((step & 63) == 0 && clock.nanoTime() - deadlineNanos >= 0) {
          return;
        }
        Instant now = micros(clock.now());
        boolean sample = step % SAMPLE_EVERY == 0;
        int session = (int) (step >>> 1);
        UUID workspace;
        if ((step & 1) == 0) {
          workspace = workspace(session);
          long t0 = sample ? clock.nanoTime() : 0;
          write.accept(event(session, workspace, step).connect(now));
          if (sample) {
            writeLatency.record(clock.nanoTime() - t0);
          }
          record(session, now, true);
        } else if (session >= OPEN) {
          int closing = session - OPEN;
          workspace = workspace(closing);
          write.accept(event(closing, workspace, step).disconnect(now));
          record(closing, now, false);
        } else {
          workspace = workspace(session);
          events--; // no event in this step
        }
        events++;
        if (tally != null) {
          long t0 = sample ? clock.nanoTime() : 0;
          tally.lastUsed().markUsed(workspace, now);
          long t1 = sample ? clock.nanoTime() : 0;
          UUID user = USERS[(int) (step % USERS.length)];
          tally.usageStats().track(workspace, user, 1, step % 10 == 0 ? 1 : 0);
          if (sample) {
            long t2 = clock.nanoTime();
            markUsedLatency.record(t1 - t0);
            trackLatency.record(t2 - t1);
          }
          lastUsed.merge(workspace, now, (a, b) -> a.isAfter(b) ? a : b);
          otherCalls += 2;
        }
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    }
  }

  /** A builder for session {@code k}'s event of step {@code step}, every field but the time set. */
  private ConnectionEvent.Builder event(int k, UUID workspace, long step) {
    return ConnectionEvent.builder()
        .id(new UUID(0xe7e0_0000_0000_0000L | index, step))
        .organizationId(ORG)
        .workspaceOwnerId(USERS[k % USERS.length])
        .workspaceId(workspace)
        .workspaceName("ws")
        .agentName(AGENT)
        .type(ConnectionType.SSH)
        .ip("10.0.0.1")
        .userAgent("tally-load/1.0")
        .userId(USERS[k % USERS.length])
        .slugOrPort("22")
        .connectionId(connectionId(k));
  }

  private UUID connectionId(int k) {
    return new UUID(index + 1, k);
  }

  private static UUID workspace(int k) {
    return WORKSPACE_IDS[k % WORKSPACES];
  }

  private static Instant micros(Instant t) {
    return Instant.ofEpochSecond(t.getEpochSecond(), t.getNano() / 1000 * 1000);
  }

  private void record(int k, Instant at, boolean connect) {
    if (k >= connectMicros.length) {
      connectMicros = Arrays.copyOf(connectMicros, connectMicros.length * 2);
      disconnectMicros = Arrays.copyOf(disconnectMicros, disconnectMicros.length * 2);
    }
    long us = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
    if (connect) {
      connectMicros[k] = us;
      sessions = Math.max(sessions, k + 1);
    } else {
      disconnectMicros[k] = us;
    }
  }

  /** Hands this writer's record to the verification (after the run). */
  void recordInto(DemoParts parts) {
    for (int k = 0; k < sessions; k++) {
      long d = disconnectMicros[k];
      Instant disconnect = d == 0 ? null : instant(d);
      parts.session(connectionId(k), workspace(k), AGENT, instant(connectMicros[k]), disconnect);
    }
    lastUsed.forEach(parts::lastUsed);
  }

  private static Instant instant(long micros) {
    long second = Math.floorDiv(micros, 1_000_000L);
    return Instant.ofEpochSecond(second, Math.floorMod(micros, 1_000_000L) * 1000);
  }
}
