-- Tally schema (h2): the summary each usage claim returned. Tables are named ${prefix}<name>.
-- Kept with the claim so that a reporter whose collection committed but never heard so gets the
-- same summary on its next call; deleted with the claim after the retention (7 days).
-- Rolling upgrade: compatible (additive: nullable columns the previous version's statements do
-- not name, and a new table; the members key stays). Two versions meet only on an H2 server
-- shared by replicas (docs/migrations.md).
ALTER TABLE ${prefix}usage_stats_claims ADD COLUMN period_nanos BIGINT;
ALTER TABLE ${prefix}usage_stats_claims ADD COLUMN unique_workspaces BIGINT;
ALTER TABLE ${prefix}usage_stats_claims ADD COLUMN unique_users BIGINT;
ALTER TABLE ${prefix}usage_stats_claims ADD COLUMN allowed_requests BIGINT;
ALTER TABLE ${prefix}usage_stats_claims ADD COLUMN denied_requests BIGINT;
-- The replica rows a claim's summary counted.
CREATE TABLE ${prefix}usage_stats_claim_rows (
  period_end TIMESTAMP WITH TIME ZONE NOT NULL,
  replica_id UUID NOT NULL,
  window_start TIMESTAMP WITH TIME ZONE NOT NULL,
  unique_workspaces BIGINT NOT NULL,
  unique_users BIGINT NOT NULL,
  allowed_requests BIGINT NOT NULL,
  denied_requests BIGINT NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (period_end, replica_id)
);
