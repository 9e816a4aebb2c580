/**
 * The generic batching pipeline: {@link io.tally.core.batch.Batcher} queues items from application
 * threads and writes them to a {@link io.tally.core.batch.BatchStore} in batches, coalescing by key
 * ({@link io.tally.core.batch.Coalescing}) and retrying failures ({@link
 * io.tally.core.batch.RetryPolicy}, {@link io.tally.core.batch.RetryMode}).
 *
 * <p>Choices made here that the design leaves open:
 *
 * <ul>
 *   <li><b>Threads.</b> One worker thread per batcher drains the queue, coalesces, and decides
 *       every store call; it is the only one that starts them, so store calls never overlap (per
 *       shard: see parallel writes below). Each call runs on one I/O thread ({@code
 *       tally-<name>-io-<n>}) and is bounded in real time by {@code flushTimeout}; the worker does
 *       not wait for it but keeps draining the queue into the pending batch, so writers block only
 *       when the whole memory bound is used. A call that outlives its timeout (JDBC drivers often
 *       ignore interrupts) keeps the I/O thread; the next call waits behind it and, if its own
 *       timeout passes first, is cancelled without ever starting, its items kept for a retry. Clock
 *       tasks (flush timer, retry backoff) only wake the worker, so nothing writes on a timer
 *       thread; with a manual clock, {@code advance()} hands the work over and the worker does it
 *       right after.
 *   <li><b>Parallel writes</b> ({@code parallelism > 1}, opt-in on the builder; the {@code db}
 *       backend sets {@code tally.batch.parallelism}). The batcher runs that many shards, each a
 *       worker as above with its own queue and I/O thread; an item goes to the shard its coalescing
 *       key hashes to (keyless items round-robin), so one key's items meet in one shard and no two
 *       calls write the same key at once. The shards share the memory bound (reserved atomically
 *       before a worker takes items off its queue), the failure tracker and the flush listeners;
 *       the queue capacity is split among them. A shard that finds the shared bound used up writes
 *       its partial batch (and the first shard to block wakes the others to do so), so a writer
 *       never waits for a timer while another shard sits on the room. {@code stats()} is the sum of
 *       the shards' snapshots, each balanced, so it balances; {@code flush()} flushes all shards at
 *       once; {@code close()} closes them at once within one {@code shutdownTimeout}.
 *   <li><b>Memory bound.</b> The workers hold at most {@code maxPendingItems} items together
 *       (default 10 batches): the pending batch, the batch being written, batches waiting for a
 *       retry and a batch being bisected, of every shard. At the bound it takes a queued item only
 *       if it merges into a pending item of its key; anything else waits in the queue, so writers
 *       get backpressure ({@code queue_full} after {@code writeTimeout}, {@code enqueue_timeout}
 *       after an {@code offer}'s own budget). Items keep their order: an item that would merge but
 *       waits behind a new key is not taken ahead of it. So at most {@code maxPendingItems +
 *       queueCapacity} items are in memory, and nothing accepted is given up because the store is
 *       down: the shedding rule is "refuse new items at the bound".
 *   <li><b>Timer.</b> The flush timer is re-armed when a timer, retry or forced flush starts, so
 *       such flushes happen at most {@code flushInterval} apart. After a size-triggered flush only
 *       the deadline moves at once; the clock task is moved to it when it fires early or when the
 *       worker is about to wait, so a busy worker does not cancel and schedule a clock task per
 *       batch.
 *   <li><b>Counting.</b> {@code accepted} counts every item the queue took (counted under the
 *       queue's lock as it enters), plus every write refused for lack of room, counted as accepted
 *       and as dropped ({@code queue_full} or {@code enqueue_timeout}) in one step although its
 *       caller got an exception or {@code false}. A write refused because the batcher is closed is
 *       not counted. Items leave the queue only into the worker's custody, counted in the same
 *       step, and {@code stats()} reads the queue under the same lock: the conservation rule {@code
 *       accepted == flushedRows + coalesced + pending + droppedTotal} holds in every snapshot, also
 *       one taken while writes and flushes run. {@code pending} counts the queue and everything the
 *       worker holds. {@code retries} counts store calls made for a retry (bisection calls
 *       included). Drop reasons are the names in {@link io.tally.core.DropReasons}.
 *   <li><b>Merge-back mode</b> (the default). A failed batch merges back into the pending batch
 *       (newer items of a key win) and the next flush waits for the backoff; the retry policy's
 *       attempts and deadline, both unlimited by default, apply to the run of consecutive failed
 *       flushes. While a backoff runs, neither size nor timer flushes happen; {@code flush()}
 *       forces one.
 *   <li><b>Poison items.</b> In merge-back mode a batch that fails with {@link
 *       io.tally.core.StoreException.Kind#DATA}, or with {@link
 *       io.tally.core.StoreException.Kind#UNKNOWN} three times in a row, is bisected (breadth
 *       first) until each bad item is alone; the rest is written and each bad item is dropped
 *       ({@code rejected}) and logged at ERROR with its coalescing key, never its contents. An
 *       UNKNOWN item alone is rejected only once another call of the same bisection succeeded (the
 *       store works); if the batch and the next six bisection calls all fail, the store is taken to
 *       be down and everything goes back for a normal retry. A transient failure during a bisection
 *       ends it the same way. Timeouts and interrupts count as transient.
 *   <li><b>Retry queue mode</b> (opt-in). Failed batches wait as they are in a bounded queue
 *       ({@code retry_queue_full} past it); only the head is retried; after it succeeds the next
 *       head is tried at once (the store is back), after it fails it waits its next backoff. No
 *       bisection in this mode.
 *   <li><b>Closing.</b> {@code close()} publishes its deadlines before any thread can see that it
 *       began. The worker then waits for a running call (within the shutdown time), and makes the
 *       last attempts in this order: retry queue (older data), then the pending batch. A last
 *       attempt that fails for its data is bisected as above (time allowing); anything not written,
 *       because an attempt failed or the time ran out, is dropped as {@code shutdown}.
 *   <li><b>Callbacks.</b> A key function that throws makes the item keyless; a merge rule that
 *       throws keeps both items; both are logged (first and every 1000th) and never stop the
 *       worker. Flush listeners are guarded the same way. "Throws" includes an {@link Error} such
 *       as an {@link AssertionError}; only a {@link VirtualMachineError} passes through. Every such
 *       failure is counted in {@code stats().callbackFailures()}.
 * </ul>
 */
@NullMarked
package io.tally.core.batch;

import org.jspecify.annotations.NullMarked;
