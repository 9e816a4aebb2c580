-- Tally schema (postgres): usage_stats tables. Tables are named ${prefix}<name>.
-- One row per replica for the current period; deleted by the period reset.
-- Rolling upgrade: additive (new tables); a replica of the previous version does not use them
-- and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE ${prefix}usage_stats (
  replica_id uuid PRIMARY KEY,
  window_start timestamptz NOT NULL,
  unique_workspaces bigint NOT NULL,
  unique_users bigint NOT NULL,
  allowed_requests bigint NOT NULL,
  denied_requests bigint NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The ids each replica recorded in the current period (kind 1 = workspace, 2 = user), for exact
-- distinct counts across replicas; deleted by the period reset.
CREATE TABLE ${prefix}usage_stats_members (
  replica_id uuid NOT NULL,
  kind smallint NOT NULL,
  member_id uuid NOT NULL,
  PRIMARY KEY (replica_id, kind, member_id)
);
-- Each replica's last applied flush; kept across period resets so a repeated flush is detected.
CREATE TABLE ${prefix}usage_stats_sequence (
  replica_id uuid PRIMARY KEY,
  session_id uuid NOT NULL,
  last_sequence bigint NOT NULL,
  last_inserted boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One row per reported period: the claim that makes exactly one replica report it.
CREATE TABLE ${prefix}usage_stats_claims (
  period_end timestamptz PRIMARY KEY,
  claimed_at timestamptz NOT NULL,
  claimed_by varchar(200) NOT NULL
);
