package io.tally.core.lastused;

/** Which time a {@link LastUsedTracker} writes for each id. */
public enum TimestampMode {
  /**
   * Each id's own latest time: the time passed to {@code markUsed(id, at)}, or the clock's time
   * when {@code markUsed(id)} was called. The default.
   */
  EVENT_TIME,

  /**
   * The time of the flush that writes the id, read from the clock when the flush starts, for every
   * id in the batch (what Coder's control plane (Go) does). Times passed to {@code markUsed(id,
   * at)} are checked for {@code null} but otherwise ignored, and {@code markUsed(id)} reads no
   * clock.
   */
  FLUSH_TIME
}
