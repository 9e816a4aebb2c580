/**
 * Tally's JDBC layer: what every SQL store shares (migrations, identifier validation, URL
 * redaction, transactions, and the store algorithms over a {@code SqlDialect}). A real module, like
 * the stores built on it.
 */
module io.tally.jdbc {
  requires transitive io.tally.core;
  requires transitive java.sql; // its API speaks DataSource and Connection (core holds no JDBC)

  exports io.tally.jdbc;
}
