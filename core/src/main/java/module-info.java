/**
 * Tally's core: the API, the three components, the SPIs and the Guice wiring.
 *
 * <p>A real module (not only an {@code Automatic-Module-Name}) so that an application on the module
 * path gets what core needs resolved (SLF4J, Guice, Guava, jakarta.inject) without {@code
 * --add-modules}. Providers ({@code tally-store-*}, {@code tally-backend-*}) are found as services.
 * A package added to core must be exported here to be usable on the module path (the {@code db}
 * backend's package, {@code io.tally.core.connectionlog.db}, is found as a service and stays
 * unexported).
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Guice 7 is automatic
module io.tally.core {
  requires transitive com.google.guice; // Tally.start(config, Module...) takes Guice modules
  requires transitive org.slf4j; // providers log through SLF4J as core does
  requires static transitive org.jspecify; // @NullMarked / @Nullable on the public API
  // What Guice needs at run time, named so that it is resolved on the module path.
  requires com.google.common;
  requires jakarta.inject;

  exports io.tally.core;
  exports io.tally.core.backend;
  exports io.tally.core.batch;
  exports io.tally.core.connectionlog;
  exports io.tally.core.lastused;
  exports io.tally.core.spi;
  exports io.tally.core.usagestats;

  // Guice reads TallyModule's @Provides methods and creates the providers' private classes.
  opens io.tally.core to
      com.google.guice;

  uses io.tally.core.spi.StoreProvider;
  uses io.tally.core.spi.BackendProvider;
  uses io.tally.core.spi.TrackerProvider;

  // The "db" backend: its package (io.tally.core.connectionlog.db) is deliberately not exported;
  // ServiceLoader instantiates it through this clause.
  provides io.tally.core.spi.BackendProvider with
      io.tally.core.connectionlog.db.DbBackendProvider;
}
