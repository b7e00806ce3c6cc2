package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

// TestSyncStress stresses the syncer (written by a reviewer): random sync latency, jobs, bad jobs (tx-level failures
// -> retry path), cancellations, readers checking that nothing they see is
// beyond what a sync has covered, and read-your-writes after each ack.
func TestSyncStress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(path, sqlite.WithMaxBatch(64), sqlite.WithQueueSize(64))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var durableUpTo atomic.Int64
	sqlite.SetSync(s, func(f *os.File) error {
		var m int64
		if err := raw.QueryRow("SELECT COALESCE(MAX(position),0) FROM events").Scan(&m); err != nil {
			return err
		}
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		err := f.Sync()
		if err == nil {
			for {
				old := durableUpTo.Load()
				if m <= old || durableUpTo.CompareAndSwap(old, m) {
					break
				}
			}
		}
		return err
	})
	ctx := context.Background()
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var seen int64
				switch r {
				case 0:
					evs, err := s.ReadAll(ctx, 0, 100000, cqrs.Filter{})
					if err != nil {
						t.Error(err)
						return
					}
					if len(evs) > 0 {
						seen = evs[len(evs)-1].Position
					}
				case 1:
					evs, err := s.ReadAll(ctx, 0, 100000, cqrs.Filter{Streams: []string{"s1", "s2"}})
					if err != nil {
						t.Error(err)
						return
					}
					if len(evs) > 0 {
						seen = evs[len(evs)-1].Position
					}
				case 2:
					h, err := s.Head(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					seen = h
				case 3:
					evs, err := s.ReadStream(ctx, "s1", 0)
					if err != nil {
						t.Error(err)
						return
					}
					if len(evs) > 0 {
						seen = evs[len(evs)-1].Position
					}
				}
				if d := durableUpTo.Load(); seen > d {
					t.Errorf("reader %d saw position %d, synced only up to %d", r, seen, d)
				}
			}
		})
	}
	var writers sync.WaitGroup
	var acked, badRuns atomic.Int64
	for w := range 32 {
		writers.Go(func() {
			for i := range 60 {
				stream := fmt.Sprintf("s%d", w%4)
				cctx, cancel := context.WithCancel(ctx)
				if i%13 == 0 {
					go func() { time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond); cancel() }()
				}
				switch {
				case i%17 == 0:
					// breaks the transaction: tx-level failure -> retry path
					_ = s.Write(cctx, func(_ context.Context, tx *sql.Tx) error {
						badRuns.Add(1)
						_, err := tx.Exec("RELEASE job")
						return err
					})
				case i%5 == 0:
					_ = s.SaveCheckpoint(cctx, fmt.Sprintf("p%d", w), int64(i))
				default:
					res, err := s.Append(cctx, cqrs.AppendRequest{Stream: stream, ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
					if err == nil {
						acked.Add(1)
						if d := durableUpTo.Load(); res.LastPosition > d {
							t.Errorf("acked position %d before a sync covered it (synced up to %d)", res.LastPosition, d)
						}
						evs, err := s.ReadStream(ctx, stream, res.StreamVersion-1)
						if err != nil || len(evs) == 0 || evs[0].Position != res.LastPosition {
							t.Errorf("read-your-write: %v %v (want position %d)", evs, err, res.LastPosition)
						}
					}
				}
				cancel()
			}
		})
	}
	wdone := make(chan struct{})
	go func() { writers.Wait(); close(wdone) }()
	select {
	case <-wdone:
	case <-time.After(120 * time.Second):
		t.Fatal("writers hang")
	}
	close(stop)
	readers.Wait()
	cdone := make(chan error, 1)
	go func() { cdone <- s.Close() }()
	select {
	case err := <-cdone:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close hangs")
	}
	st := s.Stats()
	if acked.Load() == 0 || st.Syncs == 0 {
		t.Errorf("acked %d with %d syncs: the stress did not exercise the syncer", acked.Load(), st.Syncs)
	}
	t.Logf("acked %d, bad job runs %d, stats %+v", acked.Load(), badRuns.Load(), st)
}
