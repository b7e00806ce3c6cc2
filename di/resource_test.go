package di_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
)

// recorder keeps the order in which things happen.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// store is a resource: opened by its constructor, closed by di.
type store struct {
	rec *recorder
	err error
}

func (s *store) Close() error {
	s.rec.add("close store")
	return s.err
}

// fakeTransport records its start and stop; its start fails with startErr.
type fakeTransport struct {
	rec      *recorder
	startErr error
}

func (t *fakeTransport) Start(context.Context, *app.App) error {
	t.rec.add("start transport")
	return t.startErr
}

func (t *fakeTransport) Stop(context.Context) error {
	t.rec.add("stop transport")
	return nil
}

// resourceApp is a service with one resource, one transport and an App
// OnStop function, each recording what it does.
func resourceApp(t *testing.T, rec *recorder, startErr, closeErr error) *fxtest.App {
	return fxtest.New(t,
		di.Module(app.DrainDelay(0), app.Logger(slog.New(slog.DiscardHandler))),
		di.Transport("fake", func() *fakeTransport { return &fakeTransport{rec: rec, startErr: startErr} }),
		fx.Provide(func() *store {
			rec.add("open store")
			return &store{rec: rec, err: closeErr}
		}),
		di.Resource[*store](),
		fx.Invoke(func(a *app.App) {
			rec.add("App built")
			a.OnStop(func(context.Context) error {
				rec.add("App stopped")
				return nil
			})
		}),
		fx.NopLogger,
	)
}

func TestResourceClosesAfterTheAppStops(t *testing.T) {
	rec := &recorder{}
	fxa := resourceApp(t, rec, nil, nil)
	fxa.RequireStart()
	if got := rec.list(); slices.Contains(got, "close store") {
		t.Fatalf("store closed while running: %v", got)
	}
	fxa.RequireStop()
	want := []string{"open store", "App built", "start transport", "stop transport", "App stopped", "close store"}
	if diff := cmp.Diff(rec.list(), want); diff != "" {
		t.Errorf("order (-got +want):\n%s", diff)
	}
}

func TestResourceClosesWhenStartFails(t *testing.T) {
	rec := &recorder{}
	fxa := resourceApp(t, rec, errors.New("port in use"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fxa.Start(ctx); err == nil || !strings.Contains(err.Error(), "port in use") {
		t.Fatalf("Start = %v, want the transport's error", err)
	}
	got := rec.list()
	if len(got) == 0 || got[len(got)-1] != "close store" || strings.Count(strings.Join(got, ","), "close store") != 1 {
		t.Errorf("after a failed start: %v, want the store closed once, last", got)
	}
}

func TestResourceCloseErrorFailsStop(t *testing.T) {
	rec := &recorder{}
	fxa := resourceApp(t, rec, nil, errors.New("disk gone"))
	fxa.RequireStart()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fxa.Stop(ctx); err == nil || !strings.Contains(err.Error(), "close *di_test.store: disk gone") {
		t.Errorf("Stop = %v, want the close error", err)
	}
}
