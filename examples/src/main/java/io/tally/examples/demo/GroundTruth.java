package io.tally.examples.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulation sent, recorded independently of Tally, so the database can be checked against
 * it at the end. Thread-safe: generator threads record concurrently.
 */
final class GroundTruth {

  /** The row the connection log must hold for one session. */
  static final class Session {
    final UUID connectionId;
    final UUID workspaceId;
    final String agentName;
    Instant connectTime; // earliest connect seen (or a standalone disconnect's time)
    Instant disconnectTime; // latest disconnect seen, or null

    Session(UUID connectionId, UUID workspaceId, String agentName) {
      this.connectionId = connectionId;
      this.workspaceId = workspaceId;
      this.agentName = agentName;
    }
  }

  /** Usage tracked between two collections of the usage summary. */
  static final class UsageRound {
    final Set<UUID> workspaces = ConcurrentHashMap.newKeySet();
    final Set<UUID> users = ConcurrentHashMap.newKeySet();
    final LongAdder allowed = new LongAdder();
    final LongAdder denied = new LongAdder();
    final LongAdder calls = new LongAdder();

    void absorb(UsageRound older) {
      workspaces.addAll(older.workspaces);
      users.addAll(older.users);
      allowed.add(older.allowed.sum());
      denied.add(older.denied.sum());
      calls.add(older.calls.sum());
    }
  }

  final Map<UUID, Instant> lastUsed = new ConcurrentHashMap<>();
  final Map<UUID, Session> sessions = new ConcurrentHashMap<>();
  final Set<UUID> standaloneEventIds = ConcurrentHashMap.newKeySet();

  /** The id of every connection event sent, as text (what the jsonl backend writes). */
  final Set<String> connectionEventIds = ConcurrentHashMap.newKeySet();

  final LongAdder markUsedCalls = new LongAdder();
  final LongAdder trackCalls = new LongAdder();
  final LongAdder connectionEvents = new LongAdder();
  final LongAdder totalAllowed = new LongAdder();
  final LongAdder totalDenied = new LongAdder();
  private volatile UsageRound round = new UsageRound();
  private final List<UsageRound> closedRounds = new ArrayList<>();

  void markUsed(UUID workspaceId, Instant at) {
    markUsedCalls.increment();
    lastUsed.merge(workspaceId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  void track(UUID workspaceId, UUID userId, long allowed, long denied) {
    trackCalls.increment();
    totalAllowed.add(allowed);
    totalDenied.add(denied);
    UsageRound r = round;
    r.workspaces.add(workspaceId);
    r.users.add(userId);
    r.allowed.add(allowed);
    r.denied.add(denied);
    r.calls.increment();
  }

  void connect(UUID eventId, UUID connectionId, UUID workspaceId, String agentName, Instant at) {
    connectionEvents.increment();
    connectionEventIds.add(eventId.toString());
    sessions.compute(
        connectionId,
        (id, s) -> {
          Session session = s != null ? s : new Session(id, workspaceId, agentName);
          if (session.connectTime == null || at.isBefore(session.connectTime)) {
            session.connectTime = at;
          }
          return session;
        });
  }

  void disconnect(UUID eventId, UUID connectionId, UUID workspaceId, String agentName, Instant at) {
    connectionEvents.increment();
    connectionEventIds.add(eventId.toString());
    sessions.compute(
        connectionId,
        (id, s) -> {
          Session session = s != null ? s : new Session(id, workspaceId, agentName);
          // A disconnect with no connect seen stands for the whole session: connect = disconnect.
          if (session.connectTime == null || at.isBefore(session.connectTime)) {
            session.connectTime = at;
          }
          if (session.disconnectTime == null || at.isAfter(session.disconnectTime)) {
            session.disconnectTime = at;
          }
          return session;
        });
  }

  void standalone(UUID eventId) {
    connectionEvents.increment();
    connectionEventIds.add(eventId.toString());
    standaloneEventIds.add(eventId);
  }

  /**
   * Ends the current usage round; called while generators are paused.
   *
   * @return the round that just ended
   */
  synchronized UsageRound closeRound() {
    UsageRound ended = round;
    round = new UsageRound();
    closedRounds.add(ended);
    return ended;
  }

  long events() {
    return markUsedCalls.sum() + trackCalls.sum() + connectionEvents.sum();
  }

  static Set<UUID> copy(Set<UUID> s) {
    return new HashSet<>(s);
  }
}
