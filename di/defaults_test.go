package di_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
)

// TestDefaultLimits: di.Module gives queries and commands the default
// deadline unless ALLFRAME_DEFAULT_LIMITS=off; a bad value fails startup.
func TestDefaultLimits(t *testing.T) {
	deadline := func(t *testing.T) (time.Duration, bool) {
		var a *app.App
		fxa := fxtest.New(t, di.Module(app.Name("limits"), app.DrainDelay(0)), fx.Populate(&a), fx.NopLogger)
		app.Query(a, "probe", func(_ context.Context, _ struct{}) (struct{}, error) { return struct{}{}, nil })
		var got time.Duration
		var ok bool
		a.Use(func(next app.Handler) app.Handler {
			return func(ctx context.Context, c *app.Call) (any, error) {
				if d, has := ctx.Deadline(); has {
					got, ok = time.Until(d), true
				}
				return next(ctx, c)
			}
		})
		fxa.RequireStart()
		defer fxa.RequireStop()
		if _, err := app.Invoke[struct{}, struct{}](context.Background(), a, "probe", struct{}{}); err != nil {
			t.Fatal(err)
		}
		return got, ok
	}
	if d, ok := deadline(t); !ok || d <= 0 || d > 30*time.Second {
		t.Errorf("default deadline = %v (set %v); want at most 30s", d, ok)
	}
	t.Setenv("ALLFRAME_DEFAULT_LIMITS", "off")
	if d, ok := deadline(t); ok {
		t.Errorf("with ALLFRAME_DEFAULT_LIMITS=off the call has a deadline in %v", d)
	}
	t.Setenv("ALLFRAME_DEFAULT_LIMITS", "maybe")
	err := fx.New(di.Module(app.Name("limits")), fx.NopLogger).Err()
	if err == nil || !strings.Contains(err.Error(), "ALLFRAME_DEFAULT_LIMITS") {
		t.Errorf("bad ALLFRAME_DEFAULT_LIMITS: %v", err)
	}
}
