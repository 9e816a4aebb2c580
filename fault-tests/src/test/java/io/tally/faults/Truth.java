package io.tally.faults;

import io.tally.core.usagestats.UsageSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every call to Tally that returned normally, recorded by the writers independently of Tally, and
 * every usage summary a reporter returned. Thread-safe.
 */
final class Truth {
  /** The connection-log row one session must end as. */
  static final class Session {
    final UUID workspaceId;
    Instant connect; // earliest connect (or a disconnect's own time when no connect was accepted)
    Instant disconnect; // latest disconnect, or null

    Session(UUID workspaceId) {
      this.workspaceId = workspaceId;
    }
  }

  final Map<UUID, Instant> lastUsed = new ConcurrentHashMap<>();
  final Map<UUID, Session> sessions = new ConcurrentHashMap<>();
  final Set<UUID> users = ConcurrentHashMap.newKeySet();
  final LongAdder allowed = new LongAdder();
  final LongAdder denied = new LongAdder();
  final LongAdder calls = new LongAdder();

  /** Calls that threw: refused at the boundary (queue full, closed); not part of the truth. */
  final LongAdder refusedCalls = new LongAdder();

  /** Calls that started after their Tally's close() returned and still returned normally. */
  final LongAdder acceptedAfterClose = new LongAdder();

  /** Summaries by period start; a period is reported once (a repeat must be equal). */
  final Map<Instant, UsageSummary> summaries = new ConcurrentHashMap<>();

  final List<String> summaryConflicts = new ArrayList<>();

  void markedUsed(UUID workspaceId, Instant at) {
    calls.increment();
    lastUsed.merge(workspaceId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  void tracked(UUID userId, long allowedRequests, long deniedRequests) {
    calls.increment();
    users.add(userId);
    allowed.add(allowedRequests);
    denied.add(deniedRequests);
  }

  void connected(UUID connectionId, UUID workspaceId, Instant at) {
    session(connectionId, workspaceId, at, false);
  }

  void disconnected(UUID connectionId, UUID workspaceId, Instant at) {
    session(connectionId, workspaceId, at, true);
  }

  /**
   * The earliest connect (a standalone disconnect is the whole session) and the latest disconnect.
   */
  private void session(UUID connectionId, UUID workspaceId, Instant at, boolean disconnect) {
    calls.increment();
    sessions.compute(
        connectionId,
        (id, s) -> {
          Session session = s != null ? s : new Session(workspaceId);
          if (session.connect == null || at.isBefore(session.connect)) {
            session.connect = at;
          }
          if (disconnect && (session.disconnect == null || at.isAfter(session.disconnect))) {
            session.disconnect = at;
          }
          return session;
        });
  }

  /** Records a summary a reporter returned; the same period twice must be the same summary. */
  void reported(UsageSummary summary) {
    UsageSummary before = summaries.putIfAbsent(summary.periodStart(), summary);
    if (before != null && !sameCounts(before, summary)) {
      synchronized (summaryConflicts) {
        summaryConflicts.add(
            "period " + summary.periodStart() + " reported as " + before + " and as " + summary);
      }
    }
  }

  private static boolean sameCounts(UsageSummary a, UsageSummary b) {
    return a.uniqueWorkspaces() == b.uniqueWorkspaces()
        && a.uniqueUsers() == b.uniqueUsers()
        && a.allowedRequests() == b.allowedRequests()
        && a.deniedRequests() == b.deniedRequests()
        && Objects.equals(a.periodStart(), b.periodStart());
  }
}
