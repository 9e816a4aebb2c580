/**
 * The {@code db} connection-log backend: a {@link io.tally.core.batch.Batcher} over the configured
 * store's connection-log store, found through {@link java.util.ServiceLoader}. Not API:
 * tally-core's module does not export this package; use the backend by its name ({@code
 * tally.backends=db}). It lives here rather than in {@code io.tally.core.internal} so that the
 * internal package stays a leaf that depends on nothing above it.
 */
@NullMarked
package io.tally.core.connectionlog.db;

import org.jspecify.annotations.NullMarked;
