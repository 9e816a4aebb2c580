/**
 * Tally's JDBC layer: what every SQL store shares (migrations, identifier validation, URL
 * redaction, transactions, and the store algorithms over a {@code SqlDialect}). A real module, like
 * the stores built on it.
 */
module io.tally.jdbc {
  requires transitive java.sql; // its API speaks DataSource and Connection (core holds no JDBC)
  requires transitive io.tally.core;

  exports io.tally.jdbc;
}
