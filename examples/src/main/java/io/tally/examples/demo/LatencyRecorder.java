package io.tally.examples.demo;

import java.util.Arrays;

/**
 * Keeps a bounded sample of hot-path call latencies (nanoseconds) for one kind of call. Each
 * generator thread owns one recorder, so recording takes no lock; recorders are merged at the end.
 */
final class LatencyRecorder {
  private static final int CAPACITY = 1 << 16;

  private final long[] samples = new long[CAPACITY];
  private int count; // samples written, wraps around: the newest CAPACITY are kept

  void record(long nanos) {
    samples[count++ & (CAPACITY - 1)] = nanos;
  }

  static long[] percentiles(Iterable<LatencyRecorder> recorders, double... quantiles) {
    int total = 0;
    for (LatencyRecorder r : recorders) {
      total += Math.min(r.count, CAPACITY);
    }
    long[] all = new long[total];
    int at = 0;
    for (LatencyRecorder r : recorders) {
      int n = Math.min(r.count, CAPACITY);
      System.arraycopy(r.samples, 0, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    long[] out = new long[quantiles.length];
    for (int i = 0; i < quantiles.length; i++) {
      out[i] =
          all.length == 0
              ? 0
              : all[(int) Math.min(all.length - 1, Math.floor(quantiles[i] * all.length))];
    }
    return out;
  }
}
