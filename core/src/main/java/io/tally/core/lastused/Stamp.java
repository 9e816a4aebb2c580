package io.tally.core.lastused;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * The mutable time held for one pending id: raised in place with a compare-and-set on a primitive
 * {@code long}, so a {@code markUsed} for an id already pending costs one map lookup and one CAS
 * and allocates nothing.
 *
 * <p>Encoding of {@link #value}: a time whose epoch second lies within ±{@value
 * #NANOS_RANGE_SECONDS} (years 1677 to 2262) is held as nanoseconds since the epoch, exactly. Times
 * outside that range (the input rules allow years 1000 to 9999) are rare; they are held in {@link
 * #far} behind one of two markers that order correctly against every in-range value: {@link
 * #FAR_PAST} (below all of them) and {@link #FAR_FUTURE} (above all of them). {@link #SEALED} marks
 * a stamp that a flush has taken: a writer that meets it starts a new entry.
 *
 * <p>Sealing is what makes the drain exact: the flush first removes the stamp from the map, then
 * seals it and reads the last value with one atomic swap. A writer that found the stamp before the
 * removal either raised it before the swap (its time is in this flush) or meets {@link #SEALED} and
 * puts a new stamp (its time goes to the next flush); nothing falls between.
 */
final class Stamp {
  /** In-range epoch seconds: |second| at most {@value}, so the nanoseconds fit a long. */
  static final long NANOS_RANGE_SECONDS = 9_223_372_035L;

  /** Taken by a flush; never raised again. */
  static final long SEALED = Long.MIN_VALUE;

  /** A time before the in-range years, held in {@link #far}. */
  static final long FAR_PAST = Long.MIN_VALUE + 1;

  /** A time after the in-range years, held in {@link #far}. */
  static final long FAR_FUTURE = Long.MAX_VALUE;

  private static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(Stamp.class, "value", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // accessed through VALUE
  private volatile long value;

  /** The time behind a {@link #FAR_PAST} or {@link #FAR_FUTURE} marker; guarded by this. */
  private Instant far;

  /** A stamp holding the encoded time {@code encoded} (never a marker). */
  Stamp(long encoded) {
    this.value = encoded;
  }

  /** A stamp holding {@code at}, whichever its range. */
  static Stamp of(Instant at) {
    long encoded = encode(at);
    Stamp s = new Stamp(encoded);
    if (encoded == FAR_PAST || encoded == FAR_FUTURE) {
      synchronized (s) {
        s.far = at;
      }
    }
    return s;
  }

  /**
   * Returns {@code at} as nanoseconds since the epoch, or the marker of its side when out of range.
   */
  static long encode(Instant at) {
    return encode(at.getEpochSecond(), at.getNano());
  }

  /** As {@link #encode(Instant)}, from the parts of an instant. */
  static long encode(long second, int nano) {
    if (second > NANOS_RANGE_SECONDS) {
      return FAR_FUTURE;
    }
    if (second < -NANOS_RANGE_SECONDS) {
      return FAR_PAST;
    }
    return second * 1_000_000_000L + nano;
  }

  /** The instant of an in-range encoded time. */
  static Instant decode(long nanos) {
    long second = Math.floorDiv(nanos, 1_000_000_000L);
    return Instant.ofEpochSecond(second, Math.floorMod(nanos, 1_000_000_000L));
  }

  /**
   * Raises the held time to the in-range time {@code nanos} if that is later.
   *
   * @return false if the stamp is sealed (the caller starts a new entry), true otherwise
   */
  boolean raise(long nanos) {
    long cur = value;
    while (true) {
      if (cur == SEALED) {
        return false;
      }
      if (cur >= nanos) {
        return true; // includes FAR_FUTURE; FAR_PAST is below every in-range value
      }
      long witness = (long) VALUE.compareAndExchange(this, cur, nanos);
      if (witness == cur) {
        return true;
      }
      cur = witness;
    }
  }

  /**
   * Raises the held time to {@code at}, which may lie out of range (the slow path).
   *
   * @return false if the stamp is sealed (the caller starts a new entry), true otherwise
   */
  boolean raise(Instant at) {
    long encoded = encode(at);
    if (encoded != FAR_PAST && encoded != FAR_FUTURE) {
      return raise(encoded);
    }
    synchronized (this) {
      while (true) {
        long cur = value;
        if (cur == SEALED) {
          return false;
        }
        if (cur == encoded) {
          if (at.isAfter(far)) {
            far = at; // a seal reads far under this lock
          }
          return true;
        }
        if (cur > encoded) {
          return true; // an in-range time (or FAR_FUTURE) is later than any far-past time
        }
        // cur is FAR_PAST or in range, and at is far future. The marker goes first, then the
        // time: a seal that swaps in between reads far under this lock, so after both writes.
        if (VALUE.compareAndSet(this, cur, encoded)) {
          far = at;
          return true;
        }
      }
    }
  }

  /**
   * Seals the stamp and returns the last time it held; called once, by the flush that removed it
   * from the map.
   */
  Instant seal() {
    long last = (long) VALUE.getAndSet(this, SEALED);
    if (last == FAR_PAST || last == FAR_FUTURE) {
      synchronized (this) {
        return far;
      }
    }
    return decode(last);
  }
}
