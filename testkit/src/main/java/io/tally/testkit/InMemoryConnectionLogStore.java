package io.tally.testkit;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A {@link ConnectionLogStore} in memory with the semantics of the database stores (see
 * {@link ConnectionLogStore}): one row per {@code (connectionId, workspaceId, agentName)}, connect
 * time only earlier, disconnect time, reason and code only filled in or later, events without a
 * connection id inserted once per id. Rows are readable for assertions. Thread-safe; each batch
 * is applied atomically.
 */
public final class InMemoryConnectionLogStore implements ConnectionLogStore {
  private final Map<Object, ConnectionLogRow> rows = new LinkedHashMap<>();
  private final List<List<ConnectionEvent>> batches = new ArrayList<>();

  /** Creates an empty store. */
  public InMemoryConnectionLogStore() {}

  @Override
  public synchronized void upsertBatch(List<ConnectionEvent> batch) {
    Objects.requireNonNull(batch, "batch");
    batches.add(List.copyOf(batch));
    for (ConnectionEvent e : ConnectionEvents.coalesceForStore(batch)) {
      Object key =
          e.connectionId() == null ? e.id() : new RowKey(e.connectionId(), e.workspaceId(), e.agentName());
      ConnectionLogRow existing = rows.get(key);
      if (existing == null) {
        rows.put(key, ConnectionLogRow.of(e));
      } else if (e.connectionId() != null) {
        rows.put(key, apply(existing, e));
      }
      // an event without a connection id that exists already: nothing to do (a retry)
    }
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

  /** @return every row, ordered by {@link ConnectionLogRow#ORDER} */
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

  /** @return every batch received, in order, as received (before merging) */
  public synchronized List<List<ConnectionEvent>> batches() {
    return List.copyOf(batches);
  }

  /** Removes every row and forgets the batches. */
  public synchronized void clear() {
    rows.clear();
    batches.clear();
  }

  @Override
  public synchronized String toString() {
    return "InMemoryConnectionLogStore{rows=" + rows.size() + ", batches=" + batches.size() + '}';
  }

  private record RowKey(UUID connectionId, UUID workspaceId, String agentName) {}
}
