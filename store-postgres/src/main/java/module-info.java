/**
 * Tally's PostgreSQL stores. A real module so that HikariCP (an explicit module) is resolved for an
 * application on the module path; found by Tally as a {@code StoreProvider} service.
 */
@SuppressWarnings("requires-automatic") // the PostgreSQL driver is an automatic module
module io.tally.store.postgres {
  requires transitive io.tally.jdbc;
  requires static transitive org.jspecify;
  requires com.zaxxer.hikari;
  requires org.postgresql.jdbc;

  exports io.tally.store.postgres;

  // The migrations' SQL files, which SqlMigrations reads through the class loader.
  opens db.tally.postgres;

  provides io.tally.core.spi.StoreProvider with
      io.tally.store.postgres.PostgresStoreProvider;
}
