-- Tally schema (postgres): connection_log tables. Tables are named ${prefix}<name>.
-- One row per session: (connection_id, workspace_id, agent_name) is unique where the connection
-- id is present; rows without a connection id (web events) are rows of their own.
-- Rolling upgrade: additive (a new table and its indexes); a replica of the previous version
-- does not use it and keeps running while and after it is applied (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}connection_log (
    id uuid NOT NULL PRIMARY KEY,
    connect_time timestamptz NOT NULL,
    organization_id uuid NOT NULL,
    workspace_owner_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    workspace_name text NOT NULL,
    agent_name text NOT NULL,
    type text NOT NULL,
    code integer,
    ip inet,
    user_agent text,
    user_id uuid,
    slug_or_port text,
    connection_id uuid,
    disconnect_time timestamptz,
    disconnect_reason text
);
CREATE UNIQUE INDEX IF NOT EXISTS ${prefix}connection_log_connection_key
    ON ${prefix}connection_log (connection_id, workspace_id, agent_name)
    WHERE connection_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${prefix}connection_log_connect_time_idx
    ON ${prefix}connection_log (connect_time DESC);
