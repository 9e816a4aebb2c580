package io.tally.core.batch;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The batcher's bounded intake queue: an array ring under one lock (the same cost as an {@code
 * ArrayBlockingQueue} offer), plus signal bits that wake the single consumer for timer, retry,
 * flush and close events, so the consumer waits on one condition for all of them.
 *
 * <p>Once {@link #close()} ran, every offer fails with {@link #CLOSED}; the check is made under the
 * queue's lock, so an item is either in the queue before {@code close()} (and a drain after {@code
 * close()} sees it) or refused. Nothing can slip in after the consumer's final drain.
 */
final class Intake<T> {
  /** {@code offer} result: the item is queued. */
  static final int OFFERED = 0;

  /** {@code offer} result: the queue is full (or stayed full for the whole wait). */
  static final int FULL = 1;

  /** {@code offer} result: the intake is closed; the item was not taken. */
  static final int CLOSED = 2;

  static final int TIMER = 1;
  static final int RETRY = 2;
  static final int FLUSH = 4;
  static final int CLOSE = 8;

  /** A store call the consumer started has ended. */
  static final int DONE = 16;

  /** Room freed up in the memory bound another shard shares. */
  static final int ROOM = 32;

  private final Object[] items;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private int takeIndex;
  private int putIndex;
  private int count;
  private long offered; // items ever queued, counted under the lock as they enter
  private int signals;
  private boolean consumerWaiting;
  private boolean consumerCanTake = true;
  private boolean closed;

  Intake(int capacity) {
    this.items = new Object[capacity];
  }

  /**
   * Adds {@code item} if there is room; never waits.
   *
   * @return {@link #OFFERED}, {@link #FULL} or {@link #CLOSED}
   */
  int offer(T item) {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      if (closed) {
        return CLOSED;
      }
      if (count == items.length) {
        return FULL;
      }
      enqueue(item);
      return OFFERED;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds {@code item}, waiting up to {@code nanos} for room.
   *
   * @return {@link #OFFERED}, {@link #FULL} (no room in time) or {@link #CLOSED} (closed before or
   *     while waiting)
   */
  int offer(T item, long nanos) throws InterruptedException {
    final ReentrantLock lock = this.lock;
    lock.lockInterruptibly();
    try {
      while (!closed && count == items.length) {
        if (nanos <= 0L) {
          return FULL;
        }
        nanos = notFull.awaitNanos(nanos);
      }
      if (closed) {
        return CLOSED;
      }
      enqueue(item);
      return OFFERED;
    } finally {
      lock.unlock();
    }
  }

  private void enqueue(T item) {
    items[putIndex] = item;
    if (++putIndex == items.length) {
      putIndex = 0;
    }
    count++;
    offered++;
    if (consumerWaiting && consumerCanTake) {
      work.signal();
    }
  }

  /** Moves up to {@code max} items into {@code out}; returns how many. */
  int drainTo(List<T> out, int max) {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      int n = Math.min(max, count);
      for (int i = 0; i < n; i++) {
        @SuppressWarnings("unchecked") // only T is ever stored
        T item = (T) items[takeIndex];
        items[takeIndex] = null;
        if (++takeIndex == items.length) {
          takeIndex = 0;
        }
        out.add(item);
      }
      count -= n;
      if (n > 0) {
        notFull.signalAll();
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Returns the oldest queued item without taking it, or null if the queue is empty. */
  @Nullable T peek() {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      @SuppressWarnings("unchecked") // only T is ever stored
      T head = count == 0 ? null : (T) items[takeIndex];
      return head;
    } finally {
      lock.unlock();
    }
  }

  /** Sets signal bits and wakes the consumer. */
  void signal(int bits) {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      signals |= bits;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * True when {@link #awaitWork(boolean)} would return at once: a signal is set, or (when {@code
   * canTake}) an item is queued.
   */
  boolean hasWork(boolean canTake) {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      return signals != 0 || (canTake && count > 0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a signal is set, or (when {@code canTake}) an item is queued; returns and clears
   * the signal bits.
   */
  int awaitWork(boolean canTake) throws InterruptedException {
    return awaitWork(canTake, Long.MAX_VALUE);
  }

  /**
   * Waits until a signal is set, or (when {@code canTake}) an item is queued, or {@code nanos}
   * passed; returns and clears the signal bits (0 when the time ran out).
   */
  int awaitWork(boolean canTake, long nanos) throws InterruptedException {
    final ReentrantLock lock = this.lock;
    lock.lockInterruptibly();
    try {
      consumerCanTake = canTake;
      consumerWaiting = true;
      try {
        while (signals == 0 && !(canTake && count > 0)) {
          if (nanos == Long.MAX_VALUE) {
            work.await();
          } else if (nanos <= 0L) {
            break;
          } else {
            nanos = work.awaitNanos(nanos);
          }
        }
      } finally {
        consumerWaiting = false;
        consumerCanTake = true;
      }
      int s = signals;
      signals = 0;
      return s;
    } finally {
      lock.unlock();
    }
  }

  /** Refuses every offer from now on and makes writers waiting for room give up. Idempotent. */
  void close() {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      closed = true;
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** True when the consumer waits with nothing to do (no signal, nothing it may take). */
  boolean consumerIdle() {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      return consumerWaiting && signals == 0 && !(consumerCanTake && count > 0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads, under the lock, how many items were ever queued and how many are queued now, so the two
   * agree with each other (and, taken while the consumer cannot drain, with its counters).
   */
  Counts counts() {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      return new Counts(offered, count);
    } finally {
      lock.unlock();
    }
  }

  /** Items ever queued, and queued now. */
  record Counts(long offered, int queued) {}

  int size() {
    final ReentrantLock lock = this.lock;
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }
}
