package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/allframe-go/allframe/app"
)

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i, c := range app.Codes() {
		if int(c) != i {
			t.Errorf("Codes()[%d] = %d", i, c)
		}
		for _, s := range []string{c.String(), c.Upper()} {
			if seen[s] {
				t.Errorf("duplicate name %q", s)
			}
			seen[s] = true
			if got, ok := app.ParseCode(s); !ok || got != c {
				t.Errorf("ParseCode(%q) = %v, %v", s, got, ok)
			}
		}
	}
	if len(app.Codes()) != 17 {
		t.Errorf("%d codes; want the 17 canonical ones", len(app.Codes()))
	}
	if _, ok := app.ParseCode("nope"); ok {
		t.Error("ParseCode accepted an unknown code")
	}
}

func TestErrorFrom(t *testing.T) {
	base := app.NewError(app.CodeNotFound, "no account")
	tests := []struct {
		give     error
		wantCode app.Code
		wantMsg  string
	}{
		{give: base, wantCode: app.CodeNotFound, wantMsg: "no account"},
		{give: fmt.Errorf("load: %w", base), wantCode: app.CodeNotFound, wantMsg: "no account"},
		{give: context.Canceled, wantCode: app.CodeCanceled, wantMsg: "request canceled"},
		{give: fmt.Errorf("x: %w", context.DeadlineExceeded), wantCode: app.CodeDeadlineExceeded, wantMsg: "deadline exceeded"},
		{give: errors.New("password=hunter2"), wantCode: app.CodeInternal, wantMsg: "internal error"},
		{give: app.Errorf(app.CodeAborted, "conflict on %s: %w", "acc-1", errors.New("version 3")), wantCode: app.CodeAborted, wantMsg: "conflict on acc-1: version 3"},
	}
	for _, tt := range tests {
		e := app.ErrorFrom(tt.give)
		if e.Code != tt.wantCode || e.Message != tt.wantMsg {
			t.Errorf("ErrorFrom(%v) = %v %q; want %v %q", tt.give, e.Code, e.Message, tt.wantCode, tt.wantMsg)
		}
		if !errors.Is(e, tt.give) && !errors.Is(tt.give, e) {
			t.Errorf("ErrorFrom(%v) lost its cause", tt.give)
		}
	}
	if app.ErrorFrom(nil) != nil || app.CodeOf(nil) != app.CodeOK {
		t.Error("nil error not preserved")
	}
}
