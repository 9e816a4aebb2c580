package io.tally.testkit;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.spi.RetentionSupport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * A {@link ConnectionLogStore} in memory with the semantics of the database stores (see {@link
 * ConnectionLogStore}): one row per {@code (connectionId, workspaceId, agentName)}, connect time
 * only earlier, disconnect time, reason and code only filled in or later, events without a
 * connection id inserted once per id. Row ids are unique as in the databases: an event with a
 * connection id whose id is already stored for another row fails the batch with a {@link
 * StoreException} of kind {@code DATA}. Rows are readable for assertions. Retention deletes oldest
 * first like the databases; its lock is one per store instance. Thread-safe; each batch (and each
 * delete) is applied atomically.
 */
public final class InMemoryConnectionLogStore implements ConnectionLogStore {
  private final Map<Object, ConnectionLogRow> rows = new LinkedHashMap<>();
  private final List<List<ConnectionEvent>> batches = new ArrayList<>();
  private final Map<UUID, Object> ids = new HashMap<>(); // row id to row key
  private final Semaphore retentionLock = new Semaphore(1);

  /** Creates an empty store. */
  public InMemoryConnectionLogStore() {}

  @Override
  public synchronized void upsertBatch(List<ConnectionEvent> batch) {
    Objects.requireNonNull(batch, "batch");
    batches.add(List.copyOf(batch));
    List<ConnectionEvent> merged = ConnectionEvents.coalesceForStore(batch);
    Map<UUID, Object> newIds = new HashMap<>();
    for (ConnectionEvent e : merged) {
      if (e.connectionId() != null && !rows.containsKey(key(e))) {
        Object owner = ids.containsKey(e.id()) ? ids.get(e.id()) : newIds.get(e.id());
        if (owner != null && !owner.equals(key(e))) {
          throw new StoreException(
              "event id " + e.id() + " is already stored for another session",
              null,
              StoreException.Kind.DATA);
        }
        newIds.put(e.id(), key(e));
      }
    }
    for (ConnectionEvent e : merged) {
      Object key = key(e);
      ConnectionLogRow existing = rows.get(key);
      if (existing == null) {
        if (e.connectionId() == null && ids.containsKey(e.id())) {
          continue; // the id is taken by a session's row: nothing inserted, as in the databases
        }
        rows.put(key, ConnectionLogRow.of(e));
        ids.put(e.id(), key);
      } else if (e.connectionId() != null) {
        rows.put(key, apply(existing, e));
      }
      // an event without a connection id that exists already: nothing to do (a retry)
    }
  }

  private static Object key(ConnectionEvent e) {
    return e.connectionId() == null
        ? e.id()
        : new RowKey(e.connectionId(), e.workspaceId(), e.agentName());
  }

  /**
   * Applies the upsert rules of {@link ConnectionLogStore} to one existing row.
   *
   * @param row the stored row
   * @param e the incoming (coalesced) event of the same row
   * @return the new row
   */
  static ConnectionLogRow apply(ConnectionLogRow row, ConnectionEvent e) {
    var connect = e.connectTime().isBefore(row.connectTime()) ? e.connectTime() : row.connectTime();
    boolean newerDisconnect =
        e.disconnectTime() != null
            && (row.disconnectTime() == null || e.disconnectTime().isAfter(row.disconnectTime()));
    if (newerDisconnect) {
      return row.withSession(connect, e.disconnectTime(), e.disconnectReason(), e.code());
    }
    return row.withSession(connect, row.disconnectTime(), row.disconnectReason(), row.code());
  }

  @Override
  public synchronized int deleteOlderThan(Instant cutoff, int limit) {
    Optional<Instant> before = RetentionSupport.cutoff(cutoff, limit);
    if (before.isEmpty()) {
      return 0;
    }
    List<Map.Entry<Object, ConnectionLogRow>> old = new ArrayList<>();
    for (Map.Entry<Object, ConnectionLogRow> e : rows.entrySet()) {
      if (e.getValue().connectTime().isBefore(before.get())) {
        old.add(e);
      }
    }
    old.sort(Map.Entry.comparingByValue(Comparator.comparing(ConnectionLogRow::connectTime)));
    int n = Math.min(limit, old.size());
    for (Map.Entry<Object, ConnectionLogRow> e : old.subList(0, n)) {
      rows.remove(e.getKey());
      ids.remove(e.getValue().id());
    }
    return n;
  }

  @Override
  public Optional<RetentionLock> tryLockRetention() {
    return RetentionSupport.tryLock(retentionLock);
  }

  /**
   * @return every row, ordered by {@link ConnectionLogRow#ORDER}
   */
  public synchronized List<ConnectionLogRow> rows() {
    List<ConnectionLogRow> out = new ArrayList<>(rows.values());
    out.sort(ConnectionLogRow.ORDER);
    return out;
  }

  /**
   * @param connectionId a connection id
   * @return the rows of that connection (one per workspace and agent)
   */
  public synchronized List<ConnectionLogRow> rowsOf(UUID connectionId) {
    List<ConnectionLogRow> out = new ArrayList<>();
    for (ConnectionLogRow r : rows.values()) {
      if (connectionId.equals(r.connectionId())) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * @return every batch received, in order, as received (before merging)
   */
  public synchronized List<List<ConnectionEvent>> batches() {
    return List.copyOf(batches);
  }

  /** Removes every row and forgets the batches. */
  public synchronized void clear() {
    rows.clear();
    ids.clear();
    batches.clear();
  }

  @Override
  public synchronized String toString() {
    return "InMemoryConnectionLogStore{rows=" + rows.size() + ", batches=" + batches.size() + '}';
  }

  private record RowKey(UUID connectionId, UUID workspaceId, String agentName) {}
}
