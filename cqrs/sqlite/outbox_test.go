package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

func TestOutbox(t *testing.T) {
	cqrstest.RunOutbox(t, func(tb testing.TB) cqrstest.Reopen {
		path := filepath.Join(tb.TempDir(), "events.db")
		return func(tb testing.TB) (cqrs.Store, func()) {
			s, err := sqlite.Open(path)
			if err != nil {
				tb.Fatal(err)
			}
			closed := false
			return s, func() {
				if closed {
					return
				}
				closed = true
				if err := s.Close(); err != nil {
					tb.Error(err)
				}
			}
		}
	})
}
