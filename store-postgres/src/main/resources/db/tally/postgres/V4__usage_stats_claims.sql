-- Tally schema (postgres): the summary each usage claim returned. Tables are named ${prefix}<name>.
-- Kept with the claim so that a reporter whose collection committed but never heard so gets the
-- same summary on its next call; deleted with the claim after the retention (7 days).
-- Rolling upgrade: compatible, tested (PostgresRollingUpgradeTest). The new columns are nullable
-- and the previous version's statements name only the old ones; its members insert is ON
-- CONFLICT DO NOTHING without a target, valid without the key dropped below; both versions take
-- the same advisory lock. A period the previous version claims has no stored summary, so this
-- version reports nothing for it (each period is reported once). The ALTERs hold an exclusive
-- lock for a catalogue change only (no table rewrite): writers wait milliseconds.
ALTER TABLE ${prefix}usage_stats_claims
  ADD COLUMN period_nanos bigint,
  ADD COLUMN unique_workspaces bigint,
  ADD COLUMN unique_users bigint,
  ADD COLUMN allowed_requests bigint,
  ADD COLUMN denied_requests bigint;
-- The replica rows a claim's summary counted.
CREATE TABLE ${prefix}usage_stats_claim_rows (
  period_end timestamptz NOT NULL,
  replica_id uuid NOT NULL,
  window_start timestamptz NOT NULL,
  unique_workspaces bigint NOT NULL,
  unique_users bigint NOT NULL,
  allowed_requests bigint NOT NULL,
  denied_requests bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (period_end, replica_id)
);
-- Members need no key: the flush sequence keeps a retried flush from adding its ids twice, and
-- the collection counts DISTINCT ids anyway (a restarted tracker may record an id again). Random
-- uuid keys made a 1M-id flush spend most of its time in the index.
ALTER TABLE ${prefix}usage_stats_members DROP CONSTRAINT ${prefix}usage_stats_members_pkey;
