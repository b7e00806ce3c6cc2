package cqrs_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

var backends = []cqrs.Backend{memory.Backend(), sqlite.Backend()}

const forms = "(want memory: or sqlite:PATH[?durability=full|normal])"

func TestOpenRejectsBadURLs(t *testing.T) {
	tests := []struct {
		give string
		want string // the whole error
	}{
		{give: "", want: "open event store: empty URL " + forms},
		{give: ":x", want: "open event store: malformed URL: missing protocol scheme " + forms},
		{give: "bank.db", want: "open event store bank.db: no scheme " + forms},
		{give: "bogus:x", want: "open event store bogus:x: unknown scheme bogus " + forms},
		{give: "postgres://ada:secret@db/bank", want: "open event store postgres://ada:xxxxx@db/bank: unknown scheme postgres " + forms}, //nolint:gosec // G101: a made-up password, checked to be redacted
		{give: "memory:x", want: "open event store memory:x: the memory store takes nothing after the colon (want memory:)"},
		{give: "memory:?x=1", want: "open event store memory:?x=1: the memory store takes nothing after the colon (want memory:)"},
		{give: "sqlite:", want: "open event store sqlite:: no file path (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:?durability=full", want: "open event store sqlite:?durability=full: no file path (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite://bank.db", want: "open event store sqlite://bank.db: bank.db is a host, not a file (write sqlite:bank.db for a relative path, sqlite:/… for an absolute one) (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:b.db?fast=1", want: "open event store sqlite:b.db?fast=1: unknown parameter fast (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:b.db?durability=fast", want: "open event store sqlite:b.db?durability=fast: unknown durability fast (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:b.db?durability=full&durability=normal", want: "open event store sqlite:b.db?durability=full&durability=normal: durability given more than once (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:b.db#x", want: "open event store sqlite:b.db#x: unexpected #fragment (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:b%zz.db", want: "open event store sqlite:b%zz.db: invalid URL escape \"%zz\" (want sqlite:PATH[?durability=full|normal])"},
		{give: "sqlite:/b%zz.db", want: "open event store: malformed URL: invalid URL escape \"%zz\" " + forms},
	}
	for _, tt := range tests {
		s, err := cqrs.Open(context.Background(), tt.give, backends...)
		if s != nil {
			s.Close()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("Open(%q) error = %v\nwant %s", tt.give, err, tt.want)
		}
	}
}

func TestOpenWithoutBackends(t *testing.T) {
	if _, err := cqrs.Open(context.Background(), "memory:"); err == nil || !strings.Contains(err.Error(), "no backends") {
		t.Errorf("Open without backends: %v", err)
	}
}

func TestOpenFailureNamesTheURL(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "no", "such", "dir", "bank.db")
	_, err := cqrs.Open(context.Background(), url, backends...)
	if err == nil || !strings.HasPrefix(err.Error(), "open event store "+url+": ") {
		t.Errorf("Open(%q) in a missing directory: %v", url, err)
	}
}

// TestOpenBackends opens every accepted form and checks it is the store it
// names, writable and closable.
func TestOpenBackends(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("data", 0o755); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "abs.db")
	tests := []struct {
		give     string
		wantFile string // "" for memory
	}{
		{give: "memory:"},
		{give: "MEMORY:"},
		{give: "sqlite:rel.db", wantFile: filepath.Join(dir, "rel.db")},
		{give: "sqlite:data/rel.db?durability=normal", wantFile: filepath.Join(dir, "data", "rel.db")},
		{give: "sqlite:" + abs, wantFile: abs},
		{give: "sqlite://" + filepath.Join(dir, "three.db"), wantFile: filepath.Join(dir, "three.db")},
		{give: "sqlite:my%20file.db?durability=full", wantFile: filepath.Join(dir, "my file.db")},
	}
	ctx := context.Background()
	for _, tt := range tests {
		s, err := cqrs.Open(ctx, tt.give, backends...)
		if err != nil {
			t.Errorf("Open(%q): %v", tt.give, err)
			continue
		}
		_, isSQLite := s.(*sqlite.Store)
		if isSQLite != (tt.wantFile != "") {
			t.Errorf("Open(%q) = %T", tt.give, s)
		}
		if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s", StreamType: "t", ExpectedVersion: cqrs.NoStream,
			Events: []cqrs.EventData{{Type: "e", Data: []byte(`{}`)}}}); err != nil {
			t.Errorf("Open(%q): append: %v", tt.give, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Open(%q): close: %v", tt.give, err)
		}
		if _, err := s.Head(ctx); !errors.Is(err, cqrs.ErrClosed) {
			t.Errorf("Open(%q): Head after Close = %v, want %v", tt.give, err, cqrs.ErrClosed)
		}
		if tt.wantFile != "" {
			if _, err := os.Stat(tt.wantFile); err != nil {
				t.Errorf("Open(%q): %v", tt.give, err)
			}
		}
	}
}

func TestOpenFirstBackendOfTheSchemeWins(t *testing.T) {
	var got string
	fake := func(name string) cqrs.Backend {
		return cqrs.Backend{Scheme: "memory", Open: func(context.Context, *url.URL) (cqrs.StoreCloser, error) {
			got = name
			return memory.New(), nil
		}}
	}
	s, err := cqrs.Open(context.Background(), "memory:", fake("first"), fake("second"), memory.Backend())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got != "first" {
		t.Errorf("opened by %s, want first", got)
	}
}
