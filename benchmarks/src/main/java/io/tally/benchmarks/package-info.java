/**
 * Benchmarks of Tally, not published and never run by {@code mvn verify}.
 *
 * <p>The JMH benchmarks ({@link io.tally.benchmarks.LastUsedBenchmark}, {@link
 * io.tally.benchmarks.UsageStatsBenchmark}, {@link io.tally.benchmarks.BatcherBenchmark}) measure
 * the hot-path calls ({@code markUsed}, {@code track}, {@code Batcher.write}) side by side with the
 * peers the design budget names, in the same run. They are packaged by {@code mvn -pl benchmarks
 * -am package} into {@code benchmarks/target/benchmarks.jar} ({@code java -jar
 * benchmarks/target/benchmarks.jar -h}). Choices common to them:
 *
 * <ul>
 *   <li>Stores do nothing, so the figures are the in-memory cost; flushes still happen on the
 *       system clock with a short interval (1 s), on the components' own threads, so the hot path
 *       is measured in its real steady state: maps drained and refilled, timer and I/O threads
 *       competing for the two CPUs. A {@code ManualClock} would have to be advanced on the
 *       benchmark thread, putting the flush inside the measured call, which production never does.
 *   <li>Keys are pre-generated ({@link io.tally.benchmarks.Keys}): 10,000 workspace ids, 1,000
 *       users, 10,000 connection events; each benchmark thread walks them from its own offset.
 *   <li>Each thread keeps its own "now", moved 1 ms forward every 1,024 calls, so a key (seen every
 *       10,000 calls) always arrives with a later time than the one held.
 * </ul>
 *
 * <p>{@link io.tally.benchmarks.ConnectionLogUpsertBenchmark} is a plain timing harness against
 * PostgreSQL (see {@code docs/benchmarks.md}).
 */
package io.tally.benchmarks;
