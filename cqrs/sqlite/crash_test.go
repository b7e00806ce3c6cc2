package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

// crashChildEnv makes the test binary run crashChild instead of the tests
// (see TestMain): TestCrash re-executes itself as a child process and kills
// it with SIGKILL while it writes.
const crashChildEnv = "CQRS_SQLITE_CRASH_CHILD"

const crashWriters = 8

// appliedProjection records every event it applies, with no uniqueness
// constraint: a duplicate application would show as a repeated position.
func appliedProjection(s *sqlite.Store) *sqlite.Projection {
	return sqlite.NewProjection(s, "applied", func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO applied (position, stream, version) VALUES (?, ?, ?)", ev.Position, ev.Stream, ev.Version)
		return err
	}, sqlite.Setup(func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS applied (position INTEGER NOT NULL, stream TEXT NOT NULL, version INTEGER NOT NULL)")
		return err
	}))
}

// crashChild appends events from several goroutines and prints each
// acknowledged append, while a projection follows; it runs until killed.
func crashChild(path string) {
	s, err := sqlite.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	a := app.New()
	bus := cqrs.NewBus(a, s, cqrs.NewRegistry())
	bus.Projections().Add(appliedProjection(s))
	if err := a.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	emit := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = fmt.Fprintf(out, format+"\n", args...)
		_ = out.Flush()
	}
	go func() {
		for range time.Tick(5 * time.Millisecond) {
			if st, err := bus.Projections().Status(context.Background()); err == nil {
				emit("proj %d", st[0].Position)
			}
		}
	}()
	for w := range crashWriters {
		go func() {
			stream := fmt.Sprintf("w-%d", w)
			var version int64
			for i := 0; ; i++ {
				n := 1 + i%3
				evs := make([]cqrs.EventData, n)
				for j := range evs {
					evs[j] = cqrs.EventData{Type: "Tick", Data: []byte(fmt.Sprintf(`{"w":%d,"i":%d,"j":%d}`, w, i, j))}
				}
				res, err := s.Append(context.Background(), cqrs.AppendRequest{Stream: stream, ExpectedVersion: version, Events: evs})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				version = res.StreamVersion
				emit("ack %s %d %d %d", stream, res.StreamVersion, res.FirstPosition, res.LastPosition)
			}
		}()
	}
	select {}
}

type ack struct {
	stream      string
	version     int64
	first, last int64
}

func TestCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$") //nolint:gosec // re-executes this test binary
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []ack
	var projected int64
	killed := false
	timeout := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timeout.Stop()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		var a ack
		var p int64
		switch {
		case strings.HasPrefix(line, "ack "):
			if _, err := fmt.Sscanf(line, "ack %s %d %d %d", &a.stream, &a.version, &a.first, &a.last); err != nil {
				continue // a line cut by the kill
			}
			acks = append(acks, a)
		case strings.HasPrefix(line, "proj "):
			if _, err := fmt.Sscanf(line, "proj %d", &p); err == nil {
				projected = max(projected, p)
			}
		}
		if !killed && len(acks) >= 2000 && projected > 0 {
			// Kill mid-load: writers and the projection are all busy.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended before the kill (%d acks, projection at %d): %v\n%s", len(acks), projected, err, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not SIGKILL\n%s", err, stderr.String())
	}

	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	var check string
	if err := s.DB().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	// Every acknowledged append is there, at the positions it was told.
	byPos := map[int64]cqrs.Event{}
	var after int64
	for {
		evs, err := s.ReadAll(ctx, after, 1000, cqrs.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			byPos[e.Position] = e
		}
		after = evs[len(evs)-1].Position
	}
	head := after
	for _, a := range acks {
		n := a.last - a.first + 1
		for i := range n {
			e, ok := byPos[a.first+i]
			if !ok || e.Stream != a.stream || e.Version != a.version-n+1+i {
				t.Fatalf("acknowledged append %+v: position %d holds %+v", a, a.first+i, e)
			}
		}
	}
	if int64(len(byPos)) != head {
		t.Errorf("%d events up to head %d: the log has gaps", len(byPos), head)
	}
	cp, err := s.LoadCheckpoint(ctx, "applied")
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM applied").Scan(&rows); err != nil || rows != cp {
		t.Fatalf("before resuming: %d rows applied, checkpoint %d (%v): the checkpoint must commit with the rows", rows, cp, err)
	}
	// The projection resumes from its checkpoint and applies each event once.
	a := app.New()
	bus := cqrs.NewBus(a, s, cqrs.NewRegistry())
	bus.Projections().Add(appliedProjection(s))
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(ctx) }()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := bus.Projections().WaitFor(wctx, head, "applied"); err != nil {
		t.Fatal(err)
	}
	var total, distinct int64
	if err := s.DB().QueryRow("SELECT COUNT(*), COUNT(DISTINCT position) FROM applied").Scan(&total, &distinct); err != nil {
		t.Fatal(err)
	}
	if total != head || distinct != head {
		t.Errorf("after resuming: %d applications of %d distinct events, want each of the %d events once", total, distinct, head)
	}
	t.Logf("killed after %d acknowledged appends; %d events on disk; projection resumed from %d of %d", len(acks), head, cp, head)
}
