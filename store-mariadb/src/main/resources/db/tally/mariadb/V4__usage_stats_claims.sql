-- The summary kept with each claim, and its replica rows. Safe to re-run after a partial failure
-- (ADD COLUMN IF NOT EXISTS, CREATE TABLE IF NOT EXISTS).
-- Rolling upgrade: additive (nullable columns, a new table). The MariaDB store shipped with V1
-- to V4 together, so no released version ran on V3 alone (docs/migrations.md).
ALTER TABLE ${prefix}usage_stats_claims
  ADD COLUMN IF NOT EXISTS period_nanos BIGINT,
  ADD COLUMN IF NOT EXISTS unique_workspaces BIGINT,
  ADD COLUMN IF NOT EXISTS unique_users BIGINT,
  ADD COLUMN IF NOT EXISTS allowed_requests BIGINT,
  ADD COLUMN IF NOT EXISTS denied_requests BIGINT;
CREATE TABLE IF NOT EXISTS ${prefix}usage_stats_claim_rows (
  period_end DATETIME(6) NOT NULL,
  replica_id CHAR(36) CHARACTER SET ascii NOT NULL,
  window_start DATETIME(6) NOT NULL,
  unique_workspaces BIGINT NOT NULL,
  unique_users BIGINT NOT NULL,
  allowed_requests BIGINT NOT NULL,
  denied_requests BIGINT NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (period_end, replica_id)
) ENGINE=InnoDB;
