/**
 * Service-provider interfaces for extending Tally: {@link io.tally.core.spi.StoreProvider} (a
 * database), {@link io.tally.core.spi.BackendProvider} (a connection-log destination) and {@link
 * io.tally.core.spi.TrackerProvider} (an extra component), all discovered with {@link
 * java.util.ServiceLoader} through a {@link io.tally.core.spi.ProviderLoader}, plus what a provider
 * needs of core: {@link io.tally.core.spi.Secrets} (keeping a configuration's secrets out of
 * messages) and {@link io.tally.core.spi.StoreCallScope} (ending a store call's connections when
 * the call is given up). JDBC helpers for store authors are in {@code tally-jdbc} ({@code
 * io.tally.jdbc}).
 *
 * <p>Rules of discovery, shared by the three SPIs:
 *
 * <ul>
 *   <li>Every provider on the class path is instantiated to learn its {@code name()}; only the
 *       configured ones ({@code tally.store}, {@code tally.backends}, {@code tally.trackers}) are
 *       asked to open or create anything. Constructors must therefore be cheap and do no I/O.
 *   <li>A configured name that no provider has fails at once, listing the names found.
 *   <li>Two discovered providers of one SPI with the configured name fail, naming both classes.
 *       Unconfigured duplicates are not an error (they are never used).
 *   <li>A provider passed explicitly (to {@code TallyModule.builder(config)}) wins over a
 *       discovered one of the same name, without a duplicate error.
 * </ul>
 *
 * <p>Built-in providers: stores {@code h2} (tally-store-h2), {@code postgres}
 * (tally-store-postgres) and {@code mariadb} (tally-store-mariadb); backends {@code db}
 * (tally-core: a {@code Batcher} over the store's connection-log store), {@code slog}
 * (tally-backend-slog) and {@code nats} (tally-backend-nats).
 */
@NullMarked
package io.tally.core.spi;

import org.jspecify.annotations.NullMarked;
