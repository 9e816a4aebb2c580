/**
 * The generic batching pipeline: {@link io.tally.core.batch.Batcher} queues items from
 * application threads and writes them to a {@link io.tally.core.batch.BatchStore} in batches,
 * coalescing by key ({@link io.tally.core.batch.Coalescing}) and retrying failures
 * ({@link io.tally.core.batch.RetryPolicy}, {@link io.tally.core.batch.RetryMode}).
 *
 * <p>Choices made here that the design leaves open:
 *
 * <ul>
 *   <li><b>Threads.</b> One worker thread per batcher drains the queue, coalesces, flushes and
 *       retries; it is the only caller of the store, so store calls never overlap (the
 *       reference ran its retries on a second goroutine, concurrently with flushes). Each store
 *       call runs on one I/O thread ({@code tally-<name>-io-<n>}) and is bounded in real time
 *       by {@code flushTimeout}. A call that outlives its timeout (JDBC drivers often ignore
 *       interrupts) keeps that thread; the next call waits behind it and, if its own timeout
 *       passes first, is cancelled without ever starting, its items kept for a retry. So store
 *       calls never overlap, not even after a timeout. Clock tasks (flush timer, retry backoff) only wake the worker,
 *       so nothing writes on a timer thread; with a manual clock, {@code advance()} hands the
 *       work over and the worker does it right after.
 *   <li><b>Timer.</b> The flush timer is re-armed when a flush starts, so flushes happen at
 *       most {@code flushInterval} apart measured from the start of the previous one. After a
 *       size-triggered flush only the deadline moves at once; the clock task is moved to it when
 *       it fires early or when the worker is about to wait, so a busy worker does not cancel and
 *       schedule a clock task per batch.
 *   <li><b>Counting.</b> {@code accepted} counts every item the queue took (counted under the
 *       queue's lock as it enters), plus every write refused after {@code writeTimeout}, which is
 *       counted as accepted and as dropped ({@code queue_full}) in one step although its caller
 *       got an exception. A write refused because the batcher is closed is not counted. Items
 *       leave the queue only into the worker's custody, counted in the same step, and
 *       {@code stats()} reads the queue under the same lock: the conservation rule
 *       {@code accepted == flushedRows + coalesced + pending + droppedTotal} holds in every
 *       snapshot, also one taken while writes and flushes run. {@code pending} counts the queue, the pending batch, the
 *       retry queue and the batch being written. {@code retries} counts store calls made for a
 *       retry.
 *   <li><b>Retry queue mode.</b> Only the head of the retry queue is retried; after it succeeds
 *       the next head is tried at once (the store is back), after it fails it waits its next
 *       backoff.
 *   <li><b>Merge-back mode.</b> The retry policy applies to the run of consecutive failed
 *       flushes: after {@code maxAttempts} failed retries, or past the deadline counted from the
 *       first failure of the run, the failed batch is dropped ({@code retries_exhausted})
 *       instead of merging back, and the next flush starts a new run. While a backoff runs,
 *       neither size nor timer flushes happen; {@code flush()} forces one. Memory stays bounded
 *       whatever the keys: the pending batch holds at most {@code maxPendingItems} items (keyed
 *       and keyless together); at the bound only a queued item that merges into a pending one
 *       with its key is taken, anything else waits in the queue, so writers get backpressure
 *       ({@code queue_full} after {@code writeTimeout}) as on a full queue. Items keep their
 *       order: an item that would merge but waits behind a new key is not taken ahead of it.
 *   <li><b>Closing.</b> The last attempts are made in this order: retry queue (older data),
 *       then the pending batch. A last attempt that fails drops its items as {@code closed};
 *       items not written because the shutdown time ran out are {@code shutdown_timeout}.
 *   <li><b>Callbacks.</b> A key function that throws makes the item keyless; a merge rule that
 *       throws keeps both items; both are logged (first and every 1000th) and never stop the
 *       worker. Flush listeners are guarded the same way. "Throws" includes an {@link Error}
 *       such as an {@link AssertionError}; only a {@link VirtualMachineError} passes through.
 *       Every such failure is counted in {@code stats().callbackFailures()}.
 * </ul>
 */
package io.tally.core.batch;
