/**
 * Tally's MariaDB/MySQL stores. A real module so that {@code io.tally.jdbc} and HikariCP (an
 * explicit module) are resolved for an application on the module path; found by Tally as a {@code
 * StoreProvider} service.
 */
module io.tally.store.mariadb {
  requires transitive io.tally.jdbc;
  requires static transitive org.jspecify;
  requires com.zaxxer.hikari;
  requires org.mariadb.jdbc;

  exports io.tally.store.mariadb;

  // The migrations' SQL files, which SqlMigrations reads through the class loader.
  opens db.tally.mariadb;

  provides io.tally.core.spi.StoreProvider with
      io.tally.store.mariadb.MariaDbStoreProvider;
}
