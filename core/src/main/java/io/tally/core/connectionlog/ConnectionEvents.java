package io.tally.core.connectionlog;

import io.tally.core.batch.Coalescing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The coalescing rules of the connection log, for the batcher and for stores.
 *
 * <p>Two events of one session merge into one. A session is what the store keeps as one row: the
 * same {@code connectionId}, {@code workspaceId} and {@code agentName} (the row key), so events
 * coalesce in the batcher exactly as the store would combine them, and one batch or several give
 * the same rows.
 *
 * <ol>
 *   <li>the times always combine to the earliest {@code connectTime} and the latest {@code
 *       disconnectTime}, whatever order the events arrive in (Coder's control plane (Go) lost an
 *       earlier connect that arrived after its disconnect; this keeps it);
 *   <li>a disconnect wins over a connect: the merged event has the disconnect's id, status, code,
 *       reason and other fields;
 *   <li>between two events of the same status the later {@code time} wins (on a tie, the one that
 *       was pending first).
 * </ol>
 *
 * <p>The winning event's id is the id of the row written. Events without a connection id are never
 * coalesced.
 */
public final class ConnectionEvents {
  private static final Coalescing<ConnectionEvent> COALESCING =
      Coalescing.of(ConnectionEvents::rowKey, ConnectionEvents::merge);

  private ConnectionEvents() {}

  /**
   * Returns the key and merge rule for a {@code Batcher<ConnectionEvent>}: the key is the store's
   * row key ({@code connectionId}, {@code workspaceId}, {@code agentName}), null (never coalesced)
   * for an event without a connection id; the merge is {@link #merge(ConnectionEvent,
   * ConnectionEvent)}.
   *
   * @return the rule (a shared immutable instance)
   */
  public static Coalescing<ConnectionEvent> coalescing() {
    return COALESCING;
  }

  /**
   * Merges two events of one session by the rules in the class comment.
   *
   * @param earlier the event that was pending first
   * @param later the event that arrived after it
   * @return the merged event
   * @throws NullPointerException if an argument is null
   */
  public static ConnectionEvent merge(ConnectionEvent earlier, ConnectionEvent later) {
    Objects.requireNonNull(earlier, "earlier");
    Objects.requireNonNull(later, "later");
    ConnectionEvent winner;
    if (earlier.isDisconnect() != later.isDisconnect()) {
      winner = later.isDisconnect() ? later : earlier;
    } else {
      winner = later.time().isAfter(earlier.time()) ? later : earlier;
    }
    Instant connect = min(earlier.connectTime(), later.connectTime());
    Instant disconnect = max(earlier.disconnectTime(), later.disconnectTime());
    return winner.withTimes(connect, disconnect);
  }

  /**
   * Prepares a batch for a store that writes one row per session: events of one stored row (same
   * {@code connectionId}, {@code workspaceId} and {@code agentName}) are merged with {@link
   * #merge(ConnectionEvent, ConnectionEvent)} in batch order, and events without a connection id
   * are kept once per {@code id} (the first). A single statement can then upsert the result without
   * touching a row twice. Order: merged rows first, then the others.
   *
   * @param batch the events
   * @return a new list; the same events when there was nothing to merge
   */
  public static List<ConnectionEvent> coalesceForStore(List<ConnectionEvent> batch) {
    Objects.requireNonNull(batch, "batch");
    Map<RowKey, ConnectionEvent> keyed = new LinkedHashMap<>();
    List<ConnectionEvent> keyless = new ArrayList<>();
    Set<UUID> keylessIds = new HashSet<>();
    for (ConnectionEvent e : batch) {
      if (e.connectionId() == null) {
        if (keylessIds.add(e.id())) {
          keyless.add(e);
        }
      } else {
        keyed.merge(rowKey(e), e, ConnectionEvents::merge);
      }
    }
    List<ConnectionEvent> out = new ArrayList<>(keyed.size() + keyless.size());
    out.addAll(keyed.values());
    out.addAll(keyless);
    return out;
  }

  private static Instant min(Instant a, Instant b) {
    return b.isBefore(a) ? b : a;
  }

  private static Instant max(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return b.isAfter(a) ? b : a;
  }

  /** The row key of {@code e}, or null when it has no connection id (never merged). */
  private static @Nullable RowKey rowKey(ConnectionEvent e) {
    return e.connectionId() == null
        ? null
        : new RowKey(e.connectionId(), e.workspaceId(), e.agentName());
  }

  private record RowKey(UUID connectionId, UUID workspaceId, String agentName) {}

  /**
   * The order in which a store should write a batch's rows: by the row key ({@code connectionId},
   * nulls last, then {@code workspaceId}, {@code agentName}), then by {@code id}. Writers that all
   * lock rows in this one order cannot deadlock one another.
   *
   * @return the comparator
   */
  public static Comparator<ConnectionEvent> rowOrder() {
    return ROW_ORDER;
  }

  private static final Comparator<ConnectionEvent> ROW_ORDER =
      Comparator.comparing(
              ConnectionEvent::connectionId, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(ConnectionEvent::workspaceId)
          .thenComparing(ConnectionEvent::agentName)
          .thenComparing(ConnectionEvent::id);
}
