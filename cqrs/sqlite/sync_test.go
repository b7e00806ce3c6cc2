package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// TestAckWaitsForSync holds the WAL sync of a DurabilityFull store and
// checks that the append is committed (a raw query sees the row) yet
// neither acknowledged nor visible through the store — reads, the head,
// the stream, subscriptions — until the sync returns; and that the file
// synced is the database's WAL.
func TestAckWaitsForSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan *os.File, 1), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(func() {
		unblock() // a failed check must not leave the sync, and Close, blocked
		_ = s.Close()
	})
	sqlite.SetSync(s, func(f *os.File) error {
		select {
		case entered <- f:
			<-release
		default: // later syncs pass
		}
		return f.Sync()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	delivered := make(chan []cqrs.Event, 1)
	go func() {
		_ = s.Subscribe(ctx, 0, cqrs.Filter{}, func(evs []cqrs.Event) error {
			delivered <- evs
			return nil
		})
	}()
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, cqrs.AppendRequest{Stream: "a", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
		done <- err
	}()

	f := <-entered // committed; the sync has started
	walInfo, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || !os.SameFile(fi, walInfo) {
		t.Errorf("synced %s (%v), want the WAL %s", f.Name(), err, path+"-wal")
	}
	var rows int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM events").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("raw count = %d, %v; want the committed row", rows, err)
	}
	if evs, err := s.ReadAll(ctx, 0, 10, cqrs.Filter{}); err != nil || len(evs) != 0 {
		t.Errorf("ReadAll before the sync = %v, %v; want nothing", evs, err)
	}
	if evs, err := s.ReadAll(ctx, 0, 10, cqrs.Filter{Streams: []string{"a"}}); err != nil || len(evs) != 0 {
		t.Errorf("filtered ReadAll before the sync = %v, %v; want nothing", evs, err)
	}
	if evs, err := s.ReadStream(ctx, "a", 0); err != nil || len(evs) != 0 {
		t.Errorf("ReadStream before the sync = %v, %v; want nothing", evs, err)
	}
	if h, err := s.Head(ctx); err != nil || h != 0 {
		t.Errorf("Head before the sync = %d, %v; want 0", h, err)
	}
	select {
	case err := <-done:
		t.Fatalf("Append returned (%v) before the WAL was synced", err)
	case evs := <-delivered:
		t.Fatalf("subscription got %v before the WAL was synced", evs)
	case <-time.After(50 * time.Millisecond):
	}

	unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if evs := <-delivered; len(evs) != 1 || evs[0].Position != 1 {
		t.Errorf("subscription got %v, want event 1", evs)
	}
	if h, err := s.Head(ctx); err != nil || h != 1 {
		t.Errorf("Head after the sync = %d, %v; want 1", h, err)
	}
	if evs, err := s.ReadStream(ctx, "a", 0); err != nil || len(evs) != 1 {
		t.Errorf("ReadStream after the sync = %v, %v; want the event", evs, err)
	}
}

// TestSyncFailureStopsWrites: when the WAL cannot be synced, the callers
// of that batch get the error (their writes may not be durable), the
// events stay hidden, and the store refuses later writes instead of
// acknowledging writes it cannot make durable.
func TestSyncFailureStopsWrites(t *testing.T) {
	s := open(t)
	sqlite.SetSync(s, func(*os.File) error { return errors.New("disk on fire") })
	ctx := context.Background()
	_, err := s.Append(ctx, cqrs.AppendRequest{Stream: "a", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "sync the WAL") {
		t.Fatalf("Append = %v, want the sync error", err)
	}
	_, err = s.Append(ctx, cqrs.AppendRequest{Stream: "b", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
	if err == nil || !strings.Contains(err.Error(), "refuses writes") {
		t.Fatalf("second Append = %v, want a refusal", err)
	}
	if err := s.SaveCheckpoint(ctx, "p", 1); err == nil {
		t.Fatal("SaveCheckpoint after a failed sync succeeded")
	}
	if evs, err := s.ReadAll(ctx, 0, 10, cqrs.Filter{}); err != nil || len(evs) != 0 {
		t.Errorf("ReadAll = %v, %v; want the undurable event hidden", evs, err)
	}
}

// TestCloseWhileSyncing closes the store while a sync is held, one
// committed batch waits behind it and more appends are queued or being
// absorbed (a reviewer's scenario). Close returns, every append gets an
// answer, and the file holds exactly the acknowledged events — or, when
// the held sync fails, the two batches committed before the failure was
// known (their callers get the error: their fate is unknown), never the
// appends refused after it.
func TestCloseWhileSyncing(t *testing.T) {
	for _, fail := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "events.db")
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		var syncs atomic.Int64
		sqlite.SetSync(s, func(f *os.File) error {
			syncs.Add(1)
			<-gate
			if fail {
				return errors.New("disk on fire")
			}
			return f.Sync()
		})
		ctx := context.Background()
		errs := make(chan error, 4)
		appendOne := func() {
			_, err := s.Append(ctx, cqrs.AppendRequest{Stream: "a", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
			errs <- err
		}
		go appendOne()
		testenv.Eventually(t, 5*time.Second, func() bool { return syncs.Load() == 1 })
		go appendOne() // committed, waits behind the held sync
		testenv.Eventually(t, 5*time.Second, func() bool { return s.Stats().Transactions == 2 })
		go appendOne() // absorbed into the next transaction, or still queued
		go appendOne()
		testenv.Eventually(t, 5*time.Second, func() bool { return sqlite.Submitted(s) == 4 })
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		// Close waits behind the held sync for everything submitted.
		testenv.Eventually(t, 5*time.Second, func() bool { return sqlite.Closing(s) })
		close(gate)
		if err := <-closed; err != nil {
			t.Error(err)
		}
		failed := 0
		for range 4 {
			if err := <-errs; err != nil {
				failed++
			}
		}
		s2, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s2.ReadAll(ctx, 0, 100, cqrs.Filter{})
		_ = s2.Close()
		switch {
		case err != nil:
			t.Fatal(err)
		case !fail && (failed != 0 || len(evs) != 4):
			t.Errorf("sync ok: %d appends failed and the file holds %d events; want 0 and 4", failed, len(evs))
		case fail && (failed != 4 || len(evs) != 2):
			t.Errorf("sync failed: %d appends failed and the file holds %d events; want 4 and 2", failed, len(evs))
		}
	}
}
