-- Tally schema (h2): connection_log tables. Tables are named ${prefix}<name>.
-- One row per session: (connection_id, workspace_id, agent_name) is unique; rows without a
-- connection id (web events) are rows of their own (H2 treats NULLs in a unique constraint as
-- distinct, as PostgreSQL's partial index does).
-- Rolling upgrade: additive (a new table and its indexes); a replica of the previous version
-- does not use it and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}connection_log (
    id UUID NOT NULL PRIMARY KEY,
    connect_time TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    organization_id UUID NOT NULL,
    workspace_owner_id UUID NOT NULL,
    workspace_id UUID NOT NULL,
    workspace_name VARCHAR(1000) NOT NULL,
    agent_name VARCHAR(1000) NOT NULL,
    type VARCHAR(64) NOT NULL,
    code INTEGER,
    ip VARCHAR(64),
    user_agent VARCHAR(4000),
    user_id UUID,
    slug_or_port VARCHAR(1000),
    connection_id UUID,
    disconnect_time TIMESTAMP(6) WITH TIME ZONE,
    disconnect_reason VARCHAR(4000),
    CONSTRAINT ${prefix}connection_log_connection_key UNIQUE (connection_id, workspace_id, agent_name)
);
CREATE INDEX IF NOT EXISTS ${prefix}connection_log_connect_time_idx ON ${prefix}connection_log (connect_time);
