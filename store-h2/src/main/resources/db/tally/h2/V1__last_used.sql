-- Tally schema (h2): last_used tables. Tables are named ${prefix}<name>.
-- One row per id with the latest time it was used. Ids of every supported key type (UUID, Long,
-- String) are stored in their text form, so one table serves any of them; give each kind of id
-- its own table prefix when two kinds could share a text form (the Long 1 and the String "1").
-- Writers only ever raise last_used_at, so replicas may flush in any order.
-- Rolling upgrade: the first file; nothing ran before it (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}last_used (
    id           VARCHAR                     PRIMARY KEY,
    last_used_at TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
