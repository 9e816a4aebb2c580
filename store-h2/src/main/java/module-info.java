/**
 * Tally's H2 stores. A real module so that {@code io.tally.jdbc} (which it is built on) is resolved
 * for an application on the module path; found by Tally as a {@code StoreProvider} service.
 */
// H2 is an automatic module; "h2" ends in a digit, the name users know
@SuppressWarnings({"requires-automatic", "module"})
module io.tally.store.h2 {
  requires transitive io.tally.jdbc;
  requires static transitive org.jspecify;
  requires com.h2database;
  requires java.naming; // H2's data sources are JNDI Referenceables

  exports io.tally.store.h2;

  // The migrations' SQL files, which SqlMigrations reads through the class loader.
  opens db.tally.h2;

  provides io.tally.core.spi.StoreProvider with
      io.tally.store.h2.H2StoreProvider;
}
