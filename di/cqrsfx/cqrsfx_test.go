package cqrsfx_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/cqrsfx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// service is an fx app of the core module and extra, stopped when the
// test ends.
func service(t *testing.T, extra ...fx.Option) *fxtest.App {
	t.Helper()
	fxa := fxtest.New(t, append([]fx.Option{
		di.Module(app.Name("cqrsfx"), app.DrainDelay(0), app.Logger(slog.New(slog.DiscardHandler))),
		fx.NopLogger,
	}, extra...)...)
	return fxa
}

func TestModuleOpensTheURLInTheEnvironment(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "memory:")
	var es *cqrsfx.EventStore
	var s cqrs.Store
	var a *app.App
	fxa := service(t, cqrsfx.Module(cqrsfx.WithDefaultURL("sqlite:never.db")), fx.Populate(&es, &s, &a))
	if _, ok := es.Store.(*memory.Store); !ok || es.URL != "memory:" {
		t.Errorf("EventStore = %q, %T; want memory:, *memory.Store", es.URL, es.Store)
	}
	if s != es.Store {
		t.Errorf("cqrs.Store = %T, want the EventStore's", s)
	}
	fxa.RequireStart()
	headErr := errors.New("the App's OnStop functions did not run")
	a.OnStop(func(ctx context.Context) error {
		_, headErr = s.Head(ctx)
		return nil
	})
	fxa.RequireStop()
	if headErr != nil {
		t.Errorf("store while the App stops: %v, want it open", headErr)
	}
	if _, err := s.Head(context.Background()); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("store after stop: %v, want %v", err, cqrs.ErrClosed)
	}
}

func TestModuleUsesTheDefaultURL(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "")
	path := filepath.Join(t.TempDir(), "bank.db")
	var es *cqrsfx.EventStore
	fxa := service(t, cqrsfx.Module(cqrsfx.WithDefaultURL("sqlite:"+path)), fx.Populate(&es))
	fxa.RequireStart()
	if _, ok := es.Store.(*sqlite.Store); !ok {
		t.Errorf("store = %T, want *sqlite.Store", es.Store)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
	fxa.RequireStop()
}

func TestModuleFailsOnABadURL(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "bogus:x")
	err := fx.New(di.Module(), cqrsfx.Module(), fx.NopLogger).Err()
	want := "ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus (want memory: or sqlite:PATH[?durability=full|normal] or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME] or postgresql://…)"
	if err == nil || di.RootCause(err).Error() != want {
		t.Errorf("fx.New: %v\nwant the cause %s", err, want)
	}
}

func TestOpenEventStoreErrorsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		give    string // ALLFRAME_EVENTSTORE
		opts    []cqrsfx.Option
		want    string
		wantErr bool
	}{
		{give: "bogus:x", want: "ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus (want memory: or sqlite:PATH[?durability=full|normal] or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME] or postgresql://…)"},
		{give: "sqlite:", want: "ALLFRAME_EVENTSTORE: open event store sqlite:: no file path (want sqlite:PATH[?durability=full|normal])"},
		{give: "memory:", opts: []cqrsfx.Option{cqrsfx.WithBackends(sqlite.Backend())},
			want: "ALLFRAME_EVENTSTORE: open event store memory:: unknown scheme memory (want sqlite:PATH[?durability=full|normal])"},
		{give: "", opts: []cqrsfx.Option{cqrsfx.WithDefaultURL("nope")},
			want: "ALLFRAME_EVENTSTORE unset, default: open event store nope: no scheme (want memory: or sqlite:PATH[?durability=full|normal] or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME] or postgresql://…)"},
		{give: "sqlite:" + dir + "/no/such/dir/bank.db",
			want: "ALLFRAME_EVENTSTORE: open event store sqlite:" + dir + "/no/such/dir/bank.db: sqlite: " + dir + "/no/such/dir/bank.db: read schema version: unable to open database file (14)"},
	}
	for _, tt := range tests {
		getenv := func(string) string { return tt.give }
		es, err := cqrsfx.OpenEventStore(context.Background(), getenv, tt.opts...)
		if es != nil {
			es.Close()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s=%q: %v\nwant %s", cqrsfx.EnvEventStore, tt.give, err, tt.want)
		}
	}
}

func TestOpenEventStoreRedactsThePassword(t *testing.T) {
	var got *url.URL
	pg := cqrs.Backend{Scheme: "postgres", Open: func(_ context.Context, u *url.URL) (cqrs.StoreCloser, error) {
		got = u
		return memory.New(), nil
	}}
	getenv := func(string) string { return "postgres://ada:secret@db:5432/bank" }
	es, err := cqrsfx.OpenEventStore(context.Background(), getenv, cqrsfx.WithBackends(append([]cqrs.Backend{pg}, cqrsfx.DefaultBackends()...)...))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	if es.URL != "postgres://ada:xxxxx@db:5432/bank" { //nolint:gosec // G101: a made-up password, checked to be redacted
		t.Errorf("URL = %q, want the password redacted", es.URL)
	}
	if p, _ := got.User.Password(); p != "secret" {
		t.Errorf("the backend got password %q, want the real one", p)
	}
}

func TestBusOverTheModulesStore(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "memory:")
	reg := cqrs.NewRegistry()
	var bus *cqrs.Bus
	var es *cqrsfx.EventStore
	var a *app.App
	fxa := service(t, cqrsfx.Module(), cqrsfx.Bus(), fx.Supply(reg), fx.Populate(&bus, &es, &a))
	if bus.Store() != es.Store || bus.Registry() != reg || bus.App() != a {
		t.Errorf("Bus over %T, %p, %p; want the module's store, the registry and the App", bus.Store(), bus.Registry(), bus.App())
	}
	fxa.RequireStart()
	fxa.RequireStop()
}

type noted struct {
	Text string `json:"text"`
}

type noteIn struct {
	ID string `json:"id"`
}

func TestBusTracesWithTheGraphsTracerProvider(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "memory:")
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[noted](reg, "test.Noted", 1)
	var a *app.App
	fxa := service(t, cqrsfx.Module(), cqrsfx.Bus(), fx.Supply(reg),
		fx.Provide(func() trace.TracerProvider { return tp }),
		fx.Invoke(func(bus *cqrs.Bus) {
			notes := cqrs.NewAggregate(bus, "note", func(*struct{}, any) {})
			cqrs.Handle(notes, "note", func(in noteIn) string { return in.ID },
				func(context.Context, cqrs.State[struct{}], noteIn) ([]any, error) {
					return []any{noted{Text: "hi"}}, nil
				},
				func(cqrs.State[struct{}]) struct{} { return struct{}{} })
		}),
		fx.Populate(&a))
	fxa.RequireStart()
	defer fxa.RequireStop()
	if _, err := app.Invoke[noteIn, struct{}](context.Background(), a, "note", noteIn{ID: "n1"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sr.Ended() {
		names = append(names, s.Name())
	}
	if !slices.Contains(names, "cqrs.append note") {
		t.Errorf("spans %v, want cqrs.append note", names)
	}
}
