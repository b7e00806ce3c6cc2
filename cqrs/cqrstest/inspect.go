package cqrstest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/cqrs"
)

// testListers checks the optional cqrs.StreamLister and
// cqrs.IdempotencyLister of a store; a store without them skips.
func testListers(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	sl, ok := s.(cqrs.StreamLister)
	if !ok {
		t.Skip("the store implements no cqrs.StreamLister")
	}
	Append(t, s, "account-b", 0, Event("Opened", `{}`), Event("Deposited", `{"n":1}`))
	Append(t, s, "account-a", 0, Event("Opened", `{}`))
	Append(t, s, "account/x:1", 0, Event("Opened", `{}`))
	Append(t, s, "user-1", 0, Event("Registered", `{}`))

	type row struct {
		Stream, LastType string
		Version          int64
	}
	list := func(prefix, after string, limit int) []row {
		t.Helper()
		got, err := sl.ListStreams(ctx, prefix, after, limit)
		if err != nil {
			t.Fatalf("ListStreams(%q, %q, %d): %v", prefix, after, limit, err)
		}
		var out []row
		for _, si := range got {
			if si.Updated.IsZero() || time.Since(si.Updated) > time.Hour {
				t.Errorf("stream %s updated %v, want about now", si.Stream, si.Updated)
			}
			out = append(out, row{si.Stream, si.LastType, si.Version})
		}
		return out
	}
	tests := []struct {
		name          string
		prefix, after string
		limit         int
		want          []row
	}{
		{"all", "", "", 0, []row{{"account-a", "Opened", 1}, {"account-b", "Deposited", 2}, {"account/x:1", "Opened", 1}, {"user-1", "Registered", 1}}},
		{"prefix", "account-", "", 0, []row{{"account-a", "Opened", 1}, {"account-b", "Deposited", 2}}},
		{"page", "", "account-a", 2, []row{{"account-b", "Deposited", 2}, {"account/x:1", "Opened", 1}}},
		{"none", "nobody", "", 0, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(list(tt.prefix, tt.after, tt.limit), tt.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tt.name, diff)
		}
	}

	il, ok := s.(cqrs.IdempotencyLister)
	if !ok {
		return
	}
	base := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	for i, k := range []string{"k1", "k2", "k3"} {
		rec := cqrs.IdempotencyRecord{Scope: "deposit", Key: k, RequestHash: "h", Response: []byte(`{}`), Time: base.Add(time.Duration(i) * time.Second)}
		if _, _, err := s.SaveIdempotency(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := il.ListIdempotency(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.Scope+"/"+r.Key)
	}
	if diff := cmp.Diff(keys, []string{"deposit/k3", "deposit/k2"}); diff != "" {
		t.Errorf("ListIdempotency newest first (-got +want):\n%s", diff)
	}
}
