package io.tally.core.batch;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory bound {@code maxPendingItems} of one batcher, shared by its shards: how many items the
 * workers hold together (pending batches, calls, retries, bisections). A worker reserves room
 * before it takes items off its queue, so the shards together never take more than the bound; items
 * leave the count as they are written, coalesced or dropped ({@link BatchCounters}).
 *
 * <p>A worker that stops taking items because the bound is used marks itself blocked before it
 * waits, and then looks again; whoever frees room afterwards wakes the blocked workers. The first
 * worker to block also wakes every other one, so that a shard holding a partial batch writes it
 * ({@link #underPressure()}) instead of waiting for its timer while the others' writers wait.
 * Thread-safe.
 */
final class PendingBound {
  /** The most shards one bound serves (one bit each in the blocked mask). */
  static final int MAX_SHARDS = 64;

  private final int limit;
  private final boolean shared;
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicLong blocked = new AtomicLong();
  private final Runnable[] wakers;

  /**
   * @param limit the most items held at once
   * @param shards how many workers share it (1 to {@value #MAX_SHARDS})
   */
  PendingBound(int limit, int shards) {
    this.limit = limit;
    this.shared = shards > 1;
    this.wakers = new Runnable[shards];
  }

  /** Sets what wakes shard {@code shard}'s worker; before the worker starts. */
  void onRoom(int shard, Runnable waker) {
    wakers[shard] = waker;
  }

  /**
   * @return items held now by every shard together
   */
  int held() {
    return held.get();
  }

  /**
   * @return true while the shards together hold fewer items than the bound
   */
  boolean hasRoom() {
    return held.get() < limit;
  }

  /**
   * True when the bound is shared and used up: a shard then writes a partial batch, since another
   * shard's writers may wait for the room it holds.
   */
  boolean underPressure() {
    return shared && held.get() >= limit;
  }

  /** Takes up to {@code max} items of room; returns how many (0 when the bound is used up). */
  int reserve(int max) {
    while (true) {
      int h = held.get();
      int n = Math.min(max, limit - h);
      if (n <= 0) {
        return 0;
      }
      if (held.compareAndSet(h, h + n)) {
        return n;
      }
    }
  }

  /** Counts {@code n} items taken whatever the bound (closing, or an item that merges at once). */
  void add(int n) {
    held.addAndGet(n);
  }

  /** {@code n} held items left (written, coalesced, dropped) or reserved room was not used. */
  void release(int n) {
    if (n == 0) {
      return;
    }
    held.addAndGet(-n);
    if (blocked.get() != 0) {
      wake(blocked.getAndSet(0));
    }
  }

  /**
   * Shard {@code shard}'s worker is about to wait without taking items (the bound is used): it is
   * woken when room frees up. The first shard to block wakes the others once, so they write their
   * partial batches. The caller looks at {@link #hasRoom()} again after this.
   */
  void block(int shard) {
    long bit = 1L << shard;
    long before = blocked.getAndUpdate(m -> m | bit);
    if (shared && before == 0) {
      wake(~bit & (wakers.length == MAX_SHARDS ? -1L : (1L << wakers.length) - 1));
    }
  }

  /** Shard {@code shard}'s worker woke up; it blocks again if it must. */
  void unblock(int shard) {
    long bit = 1L << shard;
    if ((blocked.get() & bit) != 0) {
      blocked.getAndUpdate(m -> m & ~bit);
    }
  }

  private void wake(long mask) {
    for (int i = 0; i < wakers.length; i++) {
      if ((mask & (1L << i)) != 0 && wakers[i] != null) {
        wakers[i].run();
      }
    }
  }
}
