/**
 * Tally's JDBC layer: what every SQL store shares (migrations, identifier validation, URL
 * redaction, transactions, and the store algorithms over a {@code SqlDialect}). A real module, like
 * the stores built on it.
 */
module io.tally.jdbc {
  requires transitive java.sql; // its API speaks DataSource and Connection (core holds no JDBC)
  requires transitive io.tally.core;
  requires static transitive org.jspecify;
  // HikariPools only, optional at run time: a store that opens a HikariCP pool requires it itself
  // (not transitive, so that a store without HikariCP compiles without it)
  requires static com.zaxxer.hikari;

  exports io.tally.jdbc;
}
