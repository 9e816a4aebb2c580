-- Tally's usage stats. The members table has no key (a flush's members are kept out of a retry by
-- the sequence, and a collection counts distinct ids). The lock table's one row is the stats lock,
-- taken FOR UPDATE in every flush and collection. Safe to re-run after a partial failure.
-- Rolling upgrade: additive (new tables and the lock row); a replica of the previous version
-- does not use them and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats (
  replica_id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  window_start DATETIME(6) NOT NULL,
  unique_workspaces BIGINT NOT NULL,
  unique_users BIGINT NOT NULL,
  allowed_requests BIGINT NOT NULL,
  denied_requests BIGINT NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats_members (
  replica_id CHAR(36) CHARACTER SET ascii NOT NULL,
  kind SMALLINT NOT NULL,
  member_id CHAR(36) CHARACTER SET ascii NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats_sequence (
  replica_id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_inserted BOOLEAN NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats_claims (
  period_end DATETIME(6) NOT NULL PRIMARY KEY,
  claimed_at DATETIME(6) NOT NULL,
  claimed_by VARCHAR(200) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats_lock (
  id INT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO ${prefix}usage_stats_lock (id) SELECT 1 FROM DUAL
  WHERE NOT EXISTS (SELECT 1 FROM ${prefix}usage_stats_lock WHERE id = 1);
