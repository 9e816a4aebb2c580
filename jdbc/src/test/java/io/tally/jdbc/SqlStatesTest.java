package io.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlStatesTest {
  @Test
  void classifiesSqlStateClasses() {
    assertThat(SqlStates.kindOf("22021")).isEqualTo(Kind.DATA); // invalid byte sequence (NUL)
    assertThat(SqlStates.kindOf("22008")).isEqualTo(Kind.DATA); // datetime field overflow
    assertThat(SqlStates.kindOf("23505")).isEqualTo(Kind.DATA); // unique violation
    assertThat(SqlStates.kindOf("23514")).isEqualTo(Kind.DATA); // check violation
    assertThat(SqlStates.kindOf("08006")).isEqualTo(Kind.TRANSIENT);
    assertThat(SqlStates.kindOf("40001")).isEqualTo(Kind.TRANSIENT);
    assertThat(SqlStates.kindOf("40P01")).isEqualTo(Kind.TRANSIENT);
    assertThat(SqlStates.kindOf("53300")).isEqualTo(Kind.TRANSIENT);
    assertThat(SqlStates.kindOf("57014")).isEqualTo(Kind.TRANSIENT);
    assertThat(SqlStates.kindOf("HYT00")).isEqualTo(Kind.TRANSIENT); // H2 lock timeout
    assertThat(SqlStates.kindOf("HY008")).isEqualTo(Kind.TRANSIENT); // H2 statement cancelled
    assertThat(SqlStates.kindOf("42P01")).isEqualTo(Kind.UNKNOWN);
    assertThat(SqlStates.kindOf(null)).isEqualTo(Kind.UNKNOWN);
    assertThat(SqlStates.kindOf("2")).isEqualTo(Kind.UNKNOWN);
  }

  @Test
  void findsTheStateInCausesAndNextExceptions() {
    BatchUpdateException batch =
        new BatchUpdateException("batch failed", null, 0, new int[0], null);
    batch.setNextException(new SQLException("duplicate key", "23505"));
    StoreException e = SqlStates.storeException("upserting 3 rows into table t", batch);
    assertThat(e.kind()).isEqualTo(Kind.DATA);
    assertThat(e)
        .hasMessage("upserting 3 rows into table t failed (SQLState 23505)")
        .hasCause(batch);
    SQLException wrapped =
        new SQLException("outer", (String) null, new SQLException("lost", "08003"));
    assertThat(SqlStates.sqlStateOf(wrapped)).isEqualTo("08003");
    assertThat(SqlStates.sqlStateOf(new RuntimeException("no state"))).isNull();
  }
}
