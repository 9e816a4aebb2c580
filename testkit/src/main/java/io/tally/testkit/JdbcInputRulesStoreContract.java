package io.tally.testkit;

import io.tally.jdbc.JdbcSchema;

/**
 * {@link InputRulesStoreContract} for stores built on a {@link JdbcSchema}: the tables the contract
 * reads back are the schema's {@code last_used} and {@code connection_log}, so a database gives its
 * schema and its stores, not the table names.
 */
public abstract class JdbcInputRulesStoreContract extends InputRulesStoreContract {
  /** Creates the contract. */
  protected JdbcInputRulesStoreContract() {}

  /**
   * Returns the schema whose tables {@link #ownTableStore()} and {@link #connectionLogStore()}
   * write.
   *
   * @return the schema, with the table prefix of the current test
   */
  protected abstract JdbcSchema schema();

  /**
   * Returns the schema's last-used table.
   *
   * @return {@code schema().table("last_used")}
   */
  @Override
  protected String ownTable() {
    return schema().table("last_used");
  }

  /**
   * Returns the schema's connection-log table.
   *
   * @return {@code schema().table("connection_log")}
   */
  @Override
  protected String connectionLogTable() {
    return schema().table("connection_log");
  }
}
