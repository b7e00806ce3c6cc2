package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path) // never returns: TestCrash kills it
	}
	goleak.VerifyTestMain(m)
}

func open(tb testing.TB, opts ...sqlite.Option) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(filepath.Join(tb.TempDir(), "events.db"), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	cqrstest.Run(t, func(tb testing.TB) cqrs.Store { return open(tb) })
}

func TestConformanceNormalDurability(t *testing.T) {
	cqrstest.Run(t, func(tb testing.TB) cqrs.Store { return open(tb, sqlite.WithDurability(sqlite.DurabilityNormal)) })
}

func TestScenarios(t *testing.T) {
	cqrstest.RunScenarios(t, func(tb testing.TB) cqrs.Store { return open(tb) })
}
