package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.StoreException.Kind;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** MariaDB's generic SQLStates are classified by error code. */
class MariaDbDialectTest {
  @Test
  void aLockWaitTimeoutIsTransientAndAConstraintIsData() {
    MariaDbDialect d = MariaDbDialect.INSTANCE;
    assertThat(d.storeException("x", new SQLException("lock wait", "HY000", 1205)).kind())
        .isEqualTo(Kind.TRANSIENT);
    assertThat(d.storeException("x", new SQLException("other", "HY000", 1064)).kind())
        .isEqualTo(Kind.UNKNOWN);
    assertThat(d.storeException("x", new SQLException("dup", "23000", 1062)).kind())
        .isEqualTo(Kind.DATA);
    assertThat(d.storeException("x", new SQLException("lock wait", "HY000", 1205)))
        .hasMessage("x failed (SQLState HY000)");
  }
}
