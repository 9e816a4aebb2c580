package io.tally.jdbc;

import java.util.Objects;

/**
 * The tables of a {@link JdbcUsageStatsStore}, prefixed: {@code usage_stats} (one row per replica),
 * {@code usage_stats_members} (replica, kind, id), {@code usage_stats_sequence} (each replica's
 * last applied flush), {@code usage_stats_claims} (one row per claimed period, with the summary
 * returned), {@code usage_stats_claim_rows} (the replica rows of that summary) and {@code
 * usage_stats_lock} (a lock row, for a dialect that locks with a row).
 *
 * @param stats the replica rows
 * @param members the members
 * @param sequence the flush sequence
 * @param claims the claims
 * @param claimRows the claims' replica rows
 * @param lock the lock row's table
 */
public record UsageStatsTables(
    String stats, String members, String sequence, String claims, String claimRows, String lock) {
  /**
   * Returns the tables of a schema.
   *
   * @param schema names the tables
   * @return its usage-stats tables
   * @throws NullPointerException if {@code schema} is null
   */
  public static UsageStatsTables of(JdbcSchema schema) {
    Objects.requireNonNull(schema, "schema");
    return new UsageStatsTables(
        schema.table("usage_stats"),
        schema.table("usage_stats_members"),
        schema.table("usage_stats_sequence"),
        schema.table("usage_stats_claims"),
        schema.table("usage_stats_claim_rows"),
        schema.table("usage_stats_lock"));
  }
}
