package cqrs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

type rmRow struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
}

type rmUnregistered struct{}

type rmBadFilterIn struct {
	cqrs.ListIn
	Owner []string `json:"owner" index:"owner"`
}

type rmUnknownFilterIn struct {
	cqrs.ListIn
	Email string `json:"email" index:"email"`
}

// storeOnly hides the memory store's ReadModelBackend.
type storeOnly struct{ cqrs.Store }

func rmBus(tb testing.TB, store cqrs.Store) *cqrs.Bus {
	tb.Helper()
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[AccountOpened](reg, "bank.AccountOpened", 1)
	return cqrs.NewBus(app.New(app.Name("rm")), store, reg)
}

func rmOpened() cqrs.ReadModelOption[rmRow] {
	return cqrs.Create(func(e AccountOpened, ev cqrs.Event) rmRow { return rmRow{ID: cqrs.StreamID(ev), Owner: e.Owner} })
}

func TestReadModelDeclarationPanics(t *testing.T) {
	byOwner := cqrs.Index("owner", func(r rmRow) string { return r.Owner })
	tests := []struct {
		name string
		give func(bus *cqrs.Bus)
		want string
	}{
		{name: "bad name", give: func(bus *cqrs.Bus) { cqrs.NewReadModel[rmRow](bus, "no-dashes") }, want: "invalid read model name"},
		{name: "long name", give: func(bus *cqrs.Bus) { cqrs.NewReadModel[rmRow](bus, strings.Repeat("a", 41)) }, want: "invalid read model name"},
		{name: "bad index name", give: func(*cqrs.Bus) { cqrs.Index("1st", func(r rmRow) string { return r.ID }) }, want: "invalid read model index name"},
		{name: "index twice", give: func(bus *cqrs.Bus) { cqrs.NewReadModel(bus, "twice", byOwner, byOwner) }, want: "declares index \"owner\" twice"},
		{name: "handler twice", give: func(bus *cqrs.Bus) { cqrs.NewReadModel(bus, "twice", rmOpened(), rmOpened()) }, want: "handles cqrs_test.AccountOpened twice"},
		{name: "unregistered event", give: func(bus *cqrs.Bus) { cqrs.NewReadModel(bus, "unreg", cqrs.Delete[rmRow, rmUnregistered]()) }, want: "not registered"},
		{name: "two key functions", give: func(*cqrs.Bus) {
			k := func(AccountOpened, cqrs.Event) string { return "" }
			cqrs.Delete[rmRow](k, k)
		}, want: "at most one key function"},
		{name: "store without read models", give: func(*cqrs.Bus) {
			cqrs.NewReadModel[rmRow](rmBus(t, storeOnly{memory.New()}), "rows")
		}, want: "does not implement cqrs.ReadModelBackend"},
		{name: "filter of a bad type", give: func(bus *cqrs.Bus) {
			cqrs.RegisterListBy[rmBadFilterIn](cqrs.NewReadModel(bus, "rows", byOwner), "listRows")
		}, want: "must be a string, integer or bool"},
		{name: "filter on no index", give: func(bus *cqrs.Bus) {
			cqrs.RegisterListBy[rmUnknownFilterIn](cqrs.NewReadModel(bus, "rows", byOwner), "listRows")
		}, want: "has no index \"email\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := rmBus(t, memory.New())
			defer func() {
				p := recover()
				if s, _ := p.(string); !strings.Contains(s, tt.want) {
					t.Errorf("panic %v, want one containing %q", p, tt.want)
				}
			}()
			tt.give(bus)
		})
	}
}

type rmRowV2 struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
	Email string `json:"email"`
}

func TestReadModelFingerprint(t *testing.T) {
	fp := func(opts ...cqrs.ReadModelOption[rmRow]) string {
		return cqrs.NewReadModel(rmBus(t, memory.New()), "rows", opts...).Spec().Fingerprint
	}
	base := fp(rmOpened())
	byOwner := cqrs.Index("owner", func(r rmRow) string { return r.Owner })
	v2 := cqrs.NewReadModel(rmBus(t, memory.New()), "rows", cqrs.Create(func(_ AccountOpened, ev cqrs.Event) rmRowV2 {
		return rmRowV2{ID: cqrs.StreamID(ev)}
	})).Spec().Fingerprint
	tests := []struct {
		name string
		give string
		same bool
	}{
		{name: "same declaration", give: fp(rmOpened()), same: true},
		{name: "handlers are not part of it", give: fp(), same: true},
		{name: "an index", give: fp(rmOpened(), byOwner)},
		{name: "a version", give: fp(rmOpened(), cqrs.ReadModelVersion[rmRow](2))},
		{name: "a field", give: v2},
		{name: "the name", give: cqrs.NewReadModel(rmBus(t, memory.New()), "other", rmOpened()).Spec().Fingerprint},
	}
	for _, tt := range tests {
		if got := tt.give == base; got != tt.same {
			t.Errorf("%s: same fingerprint = %v, want %v", tt.name, got, tt.same)
		}
	}
}

func TestReadModelClosedStore(t *testing.T) {
	store := memory.New()
	bus := rmBus(t, store)
	rm := cqrs.NewReadModel(bus, "rows", rmOpened())
	rm.RegisterGet("getRow")
	_ = store.Close()
	if _, _, err := rm.Get(context.Background(), "x"); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("Get on a closed store: %v, want ErrClosed", err)
	}
	_, err := app.Invoke[cqrs.GetIn, rmRow](context.Background(), bus.App(), "getRow", cqrs.GetIn{ID: "x"})
	if got := app.CodeOf(err); got != app.CodeUnavailable {
		t.Errorf("getRow on a closed store: %v (%v), want unavailable", got, err)
	}
}

func TestStreamID(t *testing.T) {
	tests := []struct {
		give cqrs.Event
		want string
	}{
		{give: cqrs.Event{Stream: "account-42", StreamType: "account"}, want: "42"},
		{give: cqrs.Event{Stream: "account-42"}, want: "account-42"},
		{give: cqrs.Event{Stream: "other-42", StreamType: "account"}, want: "other-42"},
	}
	for _, tt := range tests {
		if got := cqrs.StreamID(tt.give); got != tt.want {
			t.Errorf("StreamID(%+v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
