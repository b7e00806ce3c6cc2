package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/allframe-go/allframe/cqrs"
)

// syncer makes DurabilityFull commits durable off the writer goroutine.
//
// SQLite's synchronous=FULL syncs the WAL inside COMMIT, so the one writer
// sits idle for every sync. Instead the writer's connection commits with
// synchronous=NORMAL — which already syncs the WAL before each checkpoint,
// the database after it, and the WAL header when the log restarts — and
// the syncer goroutine syncs the WAL file after each commit, acknowledging
// the batch's requests only then. An acknowledged write is exactly as
// durable as under synchronous=FULL; the sync just overlaps the writing of
// the next batch, and one sync covers every batch committed before it
// started.
//
// Pacing: at most one sync runs and one committed batch waits for the next
// (wait); while a sync runs, the writer keeps adding arriving requests to
// its open transaction until ready says to commit. Without that pacing a
// writer that never waits commits requests one by one as they trickle in,
// and batches — and syncs — fragment.
//
// Until its sync completes, a batch's events are hidden from this Store's
// reads (hidden is the first position not known durable), so nothing in
// this process — subscriptions, projections, aggregate loads, Head,
// idempotency lookups — observes an event that a power loss could still
// take back. Rows that Write functions commit are visible to DB() readers
// from the commit, a sync before Write returns.
type syncer struct {
	walPath string
	dirPath string
	sync    func(*os.File) error // syncFile; tests replace it

	mu        sync.Mutex
	taken     sync.Cond     // broadcast when the syncer takes the queue (a sync starts)
	changed   chan struct{} // capacity 1: a sync started or ended
	busy      bool          // a sync is in flight
	lastAcked int           // requests acknowledged by the last sync
	queue     []syncBatch   // committed, not yet syncing
	syncing   int64         // first position of the batches being synced; 0: none appended
	inflight  int64         // first position of the transaction being committed; 0: none
	err       error         // a failed sync: the store refuses writes from then on
	hidden    atomic.Int64  // the first position not known durable; 0: all are (see visibleBelow)
	wake      chan struct{} // capacity 1; closed when the writer has exited
	done      chan struct{} // closed when the syncer has acknowledged everything

	file *os.File // the WAL, opened lazily
	info os.FileInfo
}

// syncBatch is a committed transaction's requests, acknowledged after the
// sync; first is its first event position (0 when it appended none).
type syncBatch struct {
	reqs  []*request
	first int64
}

func newSyncer(walPath string) *syncer {
	y := &syncer{
		walPath: walPath,
		dirPath: filepath.Dir(walPath),
		sync:    syncFile,
		wake:    make(chan struct{}, 1),
		changed: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	y.taken.L = &y.mu
	return y
}

// ready reports whether the writer should commit its open transaction of
// n requests now. It commits at once when the syncer is idle. While a sync
// runs, it commits (so that writing the WAL overlaps the sync) once the
// transaction holds as many requests as the last sync acknowledged — the
// callers that sync released, who typically send their next request — and
// otherwise keeps adding arriving requests until the sync ends. Without
// this, a writer that never waits commits requests one by one as they
// trickle in, and batches (and syncs) fragment.
func (y *syncer) ready(n int) bool {
	y.mu.Lock()
	defer y.mu.Unlock()
	return len(y.queue) == 0 && (!y.busy || n >= y.lastAcked)
}

func (y *syncer) signal() {
	select {
	case y.changed <- struct{}{}:
	default:
	}
}

// wait returns when no committed transaction is waiting for a sync to
// start: at most one sync runs and one committed batch waits.

func (y *syncer) wait() {
	y.mu.Lock()
	for len(y.queue) > 0 {
		y.taken.Wait()
	}
	y.mu.Unlock()
}

// visibleBelow returns the first position this process must not read yet,
// or 0 when every committed event is durable.
func (y *syncer) visibleBelow() int64 {
	if y == nil {
		return 0
	}
	return y.hidden.Load()
}

// failed returns the error of a failed sync, if any.
func (y *syncer) failed() error {
	y.mu.Lock()
	defer y.mu.Unlock()
	return y.err
}

// reserve hides the events of the transaction about to commit, before
// COMMIT makes them visible to other connections.
func (y *syncer) reserve(first int64) {
	y.mu.Lock()
	y.inflight = first
	y.recompute()
	y.mu.Unlock()
}

// abort drops the reservation of a transaction that did not commit.
func (y *syncer) abort() {
	y.mu.Lock()
	y.inflight = 0
	y.recompute()
	y.mu.Unlock()
}

// push hands a committed transaction's requests to the syncer.
func (y *syncer) push(reqs []*request, first int64) {
	y.mu.Lock()
	y.queue = append(y.queue, syncBatch{reqs: reqs, first: first})
	y.inflight = 0
	y.recompute()
	y.mu.Unlock()
	select {
	case y.wake <- struct{}{}:
	default: // a wake-up is pending; it will take this batch too
	}
}

// recompute sets hidden to the oldest undurable position: the batches
// being synced come before the queued ones, which come before the
// transaction being committed. After a failed sync nothing is unhidden.
func (y *syncer) recompute() {
	if y.err != nil && y.hidden.Load() != 0 {
		return
	}
	h := y.syncing
	for i := 0; h == 0 && i < len(y.queue); i++ {
		h = y.queue[i].first
	}
	if h == 0 {
		h = y.inflight
	}
	y.hidden.Store(h)
}

// run syncs and acknowledges batches until the writer has exited and
// everything it pushed is acknowledged.
func (y *syncer) run(broadcast func(), syncs *atomic.Int64) {
	defer close(y.done)
	defer y.closeFile()
	var batches []syncBatch
	for range y.wake {
		y.mu.Lock()
		batches, y.queue = y.queue, batches[:0]
		y.busy = len(batches) > 0
		y.taken.Broadcast()
		for _, b := range batches {
			if b.first != 0 {
				y.syncing = b.first
				break
			}
		}
		y.mu.Unlock()
		if len(batches) == 0 {
			continue
		}
		y.signal()
		err := y.syncWAL()
		syncs.Add(1)
		y.mu.Lock()
		if err != nil && y.err == nil {
			y.err = fmt.Errorf("sqlite: sync the WAL (the store refuses writes from now on; reopen it): %w", err)
		}
		failure := y.err
		y.syncing = 0
		y.busy = false
		y.lastAcked = 0
		for _, b := range batches {
			y.lastAcked += len(b.reqs)
		}
		y.recompute()
		y.mu.Unlock()
		y.signal()
		appended := false
		for _, b := range batches {
			appended = appended || b.first != 0
			for _, r := range b.reqs {
				if failure != nil {
					// Whatever the request's own outcome — even a duplicate
					// found in the lost batch — it is now unknown.
					r.res, r.err = cqrs.AppendResult{}, failure
				}
				close(r.done)
			}
		}
		if appended && failure == nil {
			broadcast()
		}
		clear(batches)
	}
}

// syncWAL syncs the WAL file, reopening it if SQLite has replaced it since
// (a new file's directory entry is synced too, as SQLite does).
func (y *syncer) syncWAL() error {
	if y.file != nil {
		fi, err := os.Stat(y.walPath)
		if err != nil || !os.SameFile(fi, y.info) {
			y.closeFile()
		}
	}
	if y.file == nil {
		f, err := os.OpenFile(y.walPath, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return err
		}
		if err := syncDir(y.dirPath); err != nil {
			_ = f.Close()
			return err
		}
		y.file, y.info = f, fi
	}
	return y.sync(y.file)
}

func (y *syncer) closeFile() {
	if y.file != nil {
		_ = y.file.Close()
		y.file, y.info = nil, nil
	}
}
