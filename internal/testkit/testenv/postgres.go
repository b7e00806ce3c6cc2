package testenv

import (
	"os"
	"testing"
)

// PostgresEnv names the environment variable holding the DSN of the
// PostgreSQL server the tests use (bench/postgres.sh start prints it).
const PostgresEnv = "ALLFRAME_TEST_POSTGRES"

// Postgres returns the DSN in PostgresEnv. When it is unset the test is
// skipped with one line naming the variable — or fails under
// RequireTools=1, as in CI, which starts a server.
func Postgres(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		Missing(tb, PostgresEnv+` is not set: run eval "$(bench/postgres.sh start)" for a local PostgreSQL`)
	}
	return dsn
}
