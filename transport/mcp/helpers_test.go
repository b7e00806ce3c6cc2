package mcp_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/mcp"
	"github.com/allframe-go/allframe/transport/rest"
)

func TestMain(m *testing.M) {
	if runStdioChild() {
		return
	}
	goleak.VerifyTestMain(m)
}

// The test service: a small bank.

type Address struct {
	Street string `json:"street" validate:"max=200" doc:"Street and number"`
	City   string `json:"city" validate:"required,max=100"`
}

type OpenIn struct {
	Owner   string   `json:"owner" validate:"required,max=100" doc:"Who owns the account"`
	Address *Address `json:"address,omitempty"`
	Tags    []string `json:"tags" validate:"max=5,dive,max=20"`
}

type Account struct {
	ID      string   `json:"id" doc:"Account id"`
	Owner   string   `json:"owner"`
	Balance int64    `json:"balance" doc:"Balance in cents"`
	Address *Address `json:"address,omitempty"`
}

type GetIn struct {
	ID string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
}

type DepositIn struct {
	ID     string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
	Amount int64  `json:"amount" validate:"gt=0,lte=1000000" doc:"Amount in cents"`
}

type ListIn struct {
	After string `json:"after" query:"after" validate:"max=64" doc:"Return accounts after this id"`
	Limit int32  `json:"limit" query:"limit" validate:"gte=0,lte=1000"`
}

type ListOut struct {
	Accounts []Account `json:"accounts"`
	Next     string    `json:"next,omitempty"`
}

type EventsIn struct {
	ID    string `json:"id" path:"id" validate:"required,max=64"`
	After int64  `json:"after" query:"after" validate:"gte=0"`
	Live  bool   `json:"live" query:"live" doc:"Keep the stream open after the history"`
}

type Event struct {
	Seq    int64 `json:"seq"`
	Amount int64 `json:"amount"`
}

type Empty struct{}

// bank is the state behind the test service.
type bank struct {
	mu       sync.Mutex
	accounts map[string]*Account
	events   map[string][]Event
}

// apiKey is the key the test clients send; it may deposit.
const apiKey = "k-test"

// newApp registers the test service's operations: queries, commands, a
// stream, an admin command and a query tagged internal.
func newApp() *app.App {
	keys, err := middleware.NewAPIKeys(map[string]middleware.Identity{
		apiKey: {Subject: "tester", Scopes: []string{"accounts:write"}},
	})
	if err != nil {
		panic(err)
	}
	a := app.New(app.Name("bank"), app.Version("1.2.3"), app.Description("Test bank"),
		app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		middleware.Auth(middleware.Public(), keys), app.AdminToken("admin-secret"))
	b := &bank{accounts: map[string]*Account{}, events: map[string][]Event{}}
	app.Command(a, "openAccount", func(_ context.Context, in OpenIn) (Account, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		acc := &Account{ID: fmt.Sprintf("acc-%d", len(b.accounts)+1), Owner: in.Owner, Address: in.Address}
		b.accounts[acc.ID] = acc
		return *acc, nil
	}, app.HTTP("POST", "/accounts"), app.Summary("Open an account"), app.Tags("accounts"))
	app.Query(a, "getAccount", func(_ context.Context, in GetIn) (Account, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		acc, ok := b.accounts[in.ID]
		if !ok {
			return Account{}, app.NewError(app.CodeNotFound, "no account "+in.ID)
		}
		return *acc, nil
	}, app.HTTP("GET", "/accounts/{id}"), app.Describe("Returns an account and its balance."), app.Tags("accounts"))
	app.Command(a, "deposit", func(_ context.Context, in DepositIn) (Account, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		acc, ok := b.accounts[in.ID]
		if !ok {
			return Account{}, app.NewError(app.CodeNotFound, "no account "+in.ID)
		}
		acc.Balance += in.Amount
		b.events[in.ID] = append(b.events[in.ID], Event{Seq: int64(len(b.events[in.ID]) + 1), Amount: in.Amount})
		return *acc, nil
	}, app.HTTP("POST", "/accounts/{id}/deposit"), app.Tags("accounts", "money"),
		middleware.RequireScopes("accounts:write"))
	app.Query(a, "listAccounts", func(_ context.Context, in ListIn) (ListOut, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		out := ListOut{Accounts: []Account{}}
		for _, acc := range b.accounts {
			if acc.ID > in.After {
				out.Accounts = append(out.Accounts, *acc)
			}
		}
		return out, nil
	}, app.HTTP("GET", "/accounts"), app.Tags("accounts"))
	app.Stream(a, "accountEvents", func(ctx context.Context, in EventsIn, send func(Event) error) error {
		b.mu.Lock()
		evs := append([]Event(nil), b.events[in.ID]...)
		b.mu.Unlock()
		for _, e := range evs {
			if e.Seq <= in.After {
				continue
			}
			if err := send(e); err != nil {
				return err
			}
		}
		if in.Live {
			<-ctx.Done()
			return nil // as many live streams do: the end of ctx is no failure
		}
		return nil
	}, app.HTTP("GET", "/accounts/{id}/events"), app.Tags("accounts"))
	app.Command(a, "purge", func(context.Context, Empty) (Empty, error) { return Empty{}, nil }, app.Admin())
	app.Query(a, "debugState", func(context.Context, Empty) (Empty, error) { return Empty{}, nil }, app.Tags("internal"))
	return a
}

// service is the test service running on an HTTP host on a free port,
// with REST (for /openapi.json) and MCP mounted.
type service struct {
	app  *app.App
	mcp  *mcp.Transport
	base string // http://127.0.0.1:port
}

func startService(t testing.TB, opts ...mcp.Option) *service {
	t.Helper()
	a := newApp()
	tr := mcp.New(opts...)
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host, rest.New(), tr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &service{app: a, mcp: tr, base: "http://" + host.Addr().String()}
}

// headerTransport adds headers to every request.
type headerTransport struct {
	header http.Header
	base   http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.header {
		r.Header[k] = v
	}
	return h.base.RoundTrip(r)
}

// connect connects an MCP client of the SDK to the service's /mcp,
// sending header with every request.
func connect(t testing.TB, s *service, header http.Header, opts *sdk.ClientOptions) *sdk.ClientSession {
	t.Helper()
	hc := &http.Client{Transport: headerTransport{header: header, base: http.DefaultTransport}}
	t.Cleanup(hc.CloseIdleConnections)
	client := sdk.NewClient(&sdk.Implementation{Name: "allframe-test", Version: "1"}, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: s.base + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}
