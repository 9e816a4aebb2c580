-- Tally schema (h2): usage_stats tables. Tables are named ${prefix}<name>.
-- One row per replica for the current period; deleted by the period reset.
-- Rolling upgrade: additive (new tables and the lock row); a replica of the previous version
-- does not use them and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE ${prefix}usage_stats (
  replica_id UUID PRIMARY KEY,
  window_start TIMESTAMP WITH TIME ZONE NOT NULL,
  unique_workspaces BIGINT NOT NULL,
  unique_users BIGINT NOT NULL,
  allowed_requests BIGINT NOT NULL,
  denied_requests BIGINT NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
-- The ids each replica recorded in the current period (kind 1 = workspace, 2 = user), for exact
-- distinct counts across replicas; deleted by the period reset.
CREATE TABLE ${prefix}usage_stats_members (
  replica_id UUID NOT NULL,
  kind SMALLINT NOT NULL,
  member_id UUID NOT NULL,
  PRIMARY KEY (replica_id, kind, member_id)
);
-- Each replica's last applied flush; kept across period resets so a repeated flush is detected.
CREATE TABLE ${prefix}usage_stats_sequence (
  replica_id UUID PRIMARY KEY,
  session_id UUID NOT NULL,
  last_sequence BIGINT NOT NULL,
  last_inserted BOOLEAN NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
-- One row per reported period: the claim that makes exactly one replica report it.
CREATE TABLE ${prefix}usage_stats_claims (
  period_end TIMESTAMP WITH TIME ZONE PRIMARY KEY,
  claimed_at TIMESTAMP WITH TIME ZONE NOT NULL,
  claimed_by VARCHAR(200) NOT NULL
);
-- The stats lock: flushes and the reset select this row FOR UPDATE.
CREATE TABLE ${prefix}usage_stats_lock (
  id INT PRIMARY KEY
);
INSERT INTO ${prefix}usage_stats_lock (id) VALUES (1);
