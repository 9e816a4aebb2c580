-- Tally's connection log. Times are DATETIME(6) in UTC. The connection key would be
-- (connection_id, workspace_id, agent_name), but agent_name may be 1,000 characters (4,000 bytes
-- in utf8mb4, past InnoDB's 3,072-byte key limit): the unique key holds its SHA-256 instead, a
-- stored generated column. Rows without a connection id have a NULL there, and NULLs never
-- conflict, as PostgreSQL's partial index. Safe to re-run after a partial failure.
-- Rolling upgrade: additive (a new table and its indexes); a replica of the previous version
-- does not use it and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}connection_log (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  connect_time DATETIME(6) NOT NULL,
  organization_id CHAR(36) CHARACTER SET ascii NOT NULL,
  workspace_owner_id CHAR(36) CHARACTER SET ascii NOT NULL,
  workspace_id CHAR(36) CHARACTER SET ascii NOT NULL,
  workspace_name VARCHAR(1000) NOT NULL,
  agent_name VARCHAR(1000) NOT NULL,
  agent_hash BINARY(32) AS (UNHEX(SHA2(agent_name, 256))) PERSISTENT,
  type VARCHAR(64) NOT NULL,
  code INT,
  ip VARCHAR(64),
  user_agent TEXT,
  user_id CHAR(36) CHARACTER SET ascii,
  slug_or_port VARCHAR(1000),
  connection_id CHAR(36) CHARACTER SET ascii,
  disconnect_time DATETIME(6),
  disconnect_reason TEXT,
  UNIQUE KEY ${prefix}connection_log_connection_key (connection_id, workspace_id, agent_hash),
  KEY ${prefix}connection_log_connect_time_idx (connect_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
