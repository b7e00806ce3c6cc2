package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

func TestSaga(t *testing.T) {
	cqrstest.RunSaga(t, func(tb testing.TB) cqrs.Store {
		s, err := sqlite.Open(filepath.Join(tb.TempDir(), "events.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			if err := s.Close(); err != nil {
				tb.Error(err)
			}
		})
		return s
	})
}
