package cqrs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/google/go-cmp/cmp"
)

// The shapes of one event over three schema versions, as three releases of
// a service would have declared it.
type depositedV1 struct {
	Amount int64 `json:"amount"` // whole euros
}

type depositedV2 struct {
	AmountCents int64 `json:"amount_cents"`
}

type depositedV3 struct {
	AmountCents int64  `json:"amountCents"`
	Currency    string `json:"currency"`
}

func upcastersV3(reg *cqrs.Registry) {
	reg.Upcast("bank.Deposited", 1, func(data []byte) ([]byte, error) {
		var v1 depositedV1
		if err := json.Unmarshal(data, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(depositedV2{AmountCents: v1.Amount * 100})
	})
	reg.Upcast("bank.Deposited", 2, func(data []byte) ([]byte, error) {
		var v2 depositedV2
		if err := json.Unmarshal(data, &v2); err != nil {
			return nil, err
		}
		return json.Marshal(depositedV3{AmountCents: v2.AmountCents, Currency: "EUR"})
	})
}

func TestUpcastEventsWrittenByOlderVersions(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	// Release 1 and release 2 of the service write events with their types.
	for _, w := range []struct {
		version int
		event   any
		reg     func(*cqrs.Registry)
	}{
		{1, depositedV1{Amount: 7}, func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV1](r, "bank.Deposited", 1) }},
		{2, depositedV2{AmountCents: 250}, func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV2](r, "bank.Deposited", 2) }},
		{3, &depositedV3{AmountCents: 99, Currency: "USD"}, func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV3](r, "bank.Deposited", 3) }},
	} {
		old := cqrs.NewRegistry()
		w.reg(old)
		ed, err := old.Encode(w.event)
		if err != nil {
			t.Fatal(err)
		}
		if ed.SchemaVersion != w.version || ed.Type != "bank.Deposited" {
			t.Fatalf("release %d encoded %s v%d", w.version, ed.Type, ed.SchemaVersion)
		}
		if _, err := store.Append(ctx, cqrs.AppendRequest{Stream: "account-1", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ed}}); err != nil {
			t.Fatal(err)
		}
	}
	// Release 3 reads all of them in the current shape.
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[depositedV3](reg, "bank.Deposited", 3)
	upcastersV3(reg)
	evs, err := store.ReadStream(ctx, "account-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for _, ev := range evs {
		v, err := reg.Decode(ev)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []any{
		depositedV3{AmountCents: 700, Currency: "EUR"},
		depositedV3{AmountCents: 250, Currency: "EUR"},
		depositedV3{AmountCents: 99, Currency: "USD"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("decoded (-got +want):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[depositedV3](reg, "bank.Deposited", 3)
	reg.Upcast("bank.Deposited", 2, func([]byte) ([]byte, error) { return nil, errors.New("broken upcaster") })
	tests := []struct {
		name    string
		give    cqrs.Event
		wantErr string
		wantIs  error
	}{
		{name: "unknown type", give: cqrs.Event{Type: "bank.Nope", Data: []byte(`{}`)}, wantErr: `unknown event type: "bank.Nope"`, wantIs: cqrs.ErrUnknownEvent},
		{name: "newer than registered", give: cqrs.Event{Type: "bank.Deposited", SchemaVersion: 4, Data: []byte(`{}`)}, wantErr: "newer than the registered 3"},
		{name: "missing upcaster", give: cqrs.Event{Type: "bank.Deposited", SchemaVersion: 1, Data: []byte(`{}`)}, wantErr: "no upcaster from schema version 1 to 2"},
		{name: "failing upcaster", give: cqrs.Event{Type: "bank.Deposited", SchemaVersion: 2, Data: []byte(`{}`)}, wantErr: "broken upcaster"},
		{name: "malformed payload", give: cqrs.Event{Type: "bank.Deposited", SchemaVersion: 3, Data: []byte(`{"amountCents":"x"}`)}, wantErr: "decode bank.Deposited"},
	}
	for _, tt := range tests {
		_, err := reg.Decode(tt.give)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
			t.Errorf("%s: Decode error %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
	if _, err := reg.Encode(depositedV1{}); !errors.Is(err, cqrs.ErrUnknownEvent) {
		t.Errorf("Encode of an unregistered type: %v, want ErrUnknownEvent", err)
	}
	if name, v, ok := reg.Name(&depositedV3{}); name != "bank.Deposited" || v != 3 || !ok {
		t.Errorf("Name(*depositedV3) = %q, %d, %v", name, v, ok)
	}
	if diff := cmp.Diff(reg.Names(), []string{"bank.Deposited"}); diff != "" {
		t.Error(diff)
	}
}

// Fields that encode themselves (time.Time and its unexported fields)
// survive storage, so they register.
func TestRegisterSelfEncodingFields(t *testing.T) {
	type stamped struct {
		At    time.Time  `json:"at"`
		Maybe *time.Time `json:"maybe,omitempty"`
	}
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[stamped](reg, "stamped", 1)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	ed, err := reg.Encode(stamped{At: at})
	if err != nil {
		t.Fatal(err)
	}
	got, err := reg.Decode(cqrs.Event{Type: ed.Type, SchemaVersion: 1, Data: ed.Data})
	if err != nil || !got.(stamped).At.Equal(at) {
		t.Errorf("round trip = %+v, %v; want At %v", got, err, at)
	}
}

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name string
		give func(*cqrs.Registry)
	}{
		{"duplicate name", func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV2](r, "bank.Deposited", 1) }},
		{"duplicate type", func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV3](r, "bank.Other", 1) }},
		{"not a struct", func(r *cqrs.Registry) { cqrs.RegisterEvent[string](r, "bank.String", 1) }},
		{"bad name", func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV1](r, "bad name", 1) }},
		{"version 0", func(r *cqrs.Registry) { cqrs.RegisterEvent[depositedV1](r, "bank.V0", 0) }},
		{"duplicate upcaster", func(r *cqrs.Registry) {
			r.Upcast("bank.Deposited", 1, func(b []byte) ([]byte, error) { return b, nil })
			r.Upcast("bank.Deposited", 1, func(b []byte) ([]byte, error) { return b, nil })
		}},
	}
	for _, tt := range tests {
		reg := cqrs.NewRegistry()
		cqrs.RegisterEvent[depositedV3](reg, "bank.Deposited", 3)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.give(reg)
		}()
	}
}

// TimedEvent carries a time.Time, which has unexported fields but
// marshals itself: it must register and round-trip.
type TimedEvent struct {
	At    time.Time  `json:"at"`
	Maybe *time.Time `json:"maybe,omitempty"`
}

func TestEventWithTimeField(t *testing.T) {
	r := cqrs.NewRegistry()
	cqrs.RegisterEvent[TimedEvent](r, "timed", 1)
	at := time.Date(2026, 12, 6, 1, 2, 3, 4, time.UTC)
	data, err := r.Encode(TimedEvent{At: at})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Decode(cqrs.Event{Type: data.Type, SchemaVersion: data.SchemaVersion, Data: data.Data})
	if err != nil {
		t.Fatal(err)
	}
	if ev, ok := got.(TimedEvent); !ok || !ev.At.Equal(at) {
		t.Errorf("round trip = %#v; want At %v", got, at)
	}
}
