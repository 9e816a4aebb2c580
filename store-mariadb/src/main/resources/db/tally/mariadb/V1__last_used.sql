-- Tally's last-used table. Ids are at most 255 characters (InputRules.MAX_ID_LENGTH): 1,020
-- bytes in utf8mb4, within InnoDB's 3,072-byte key limit. utf8mb4_bin: ids compare exactly.
-- Safe to re-run after a partial failure (DDL commits implicitly).
-- Rolling upgrade: the first file; nothing ran before it (docs/migrations.md).
CREATE TABLE IF NOT EXISTS ${prefix}last_used (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  last_used_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
