package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The hello test app: its exported .proto is checked in at
// testdata/hello.proto and compiled into internal/hellopb.

type HelloIn struct {
	Name string `json:"name" validate:"required,max=64" doc:"Who to greet."`
}

type HelloOut struct {
	Message string `json:"message" doc:"The greeting."`
}

type GreetingsIn struct {
	Name  string `json:"name" validate:"required,max=64"`
	Count int32  `json:"count" validate:"min=0,max=1000" doc:"How many greetings to send."`
}

type Greeting struct {
	Index   int32  `json:"index"`
	Message string `json:"message"`
}

type Mood string

func (Mood) EnumValues() []string { return []string{"happy", "grumpy", "in-between"} }
func (Mood) Doc() string          { return "How someone feels." }

type Address struct {
	Street string `json:"street"`
	City   string `json:"city" validate:"omitempty,max=40"`
}

type Profile struct {
	ID        string            `json:"id" validate:"required"`
	Nickname  *string           `json:"nickname,omitempty" doc:"Optional nickname."`
	Age       *int32            `json:"age,omitempty"`
	Mood      Mood              `json:"mood"`
	Tags      []string          `json:"tags"`
	Scores    []int64           `json:"scores"`
	Labels    map[string]string `json:"labels"`
	Home      *Address          `json:"home,omitempty"`
	Work      Address           `json:"work"`
	Friends   []Address         `json:"friends"`
	Born      time.Time         `json:"born"`
	Seen      *time.Time        `json:"seen,omitempty"`
	Timeout   time.Duration     `json:"timeout"`
	Extra     any               `json:"extra,omitempty"`
	Avatar    []byte            `json:"avatar"`
	Ratio     float64           `json:"ratio"`
	Weight    float32           `json:"weight"`
	Active    bool              `json:"active"`
	Visits    uint64            `json:"visits"`
	Level     uint8             `json:"level"`
	Moods     map[string]Mood   `json:"moods"`
	OldName   string            `json:"old_name" deprecated:"use nickname"`
	CreatedBy string            `json:"createdBy" proto:"30"`
}

type ProfileOut struct {
	Profile Profile   `json:"profile"`
	Updated time.Time `json:"updated"`
}

type FailIn struct {
	Code string `json:"code"`
}

type Empty struct{}

type WhoAmIOut struct {
	User   string `json:"user"`
	Peer   string `json:"peer"`
	Route  string `json:"route"`
	Agents int32  `json:"agents"`
}

type SlowOut struct {
	HadDeadline bool `json:"hadDeadline"`
}

// recorder is middleware that records what it sees of each call.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) middleware(next app.Handler) app.Handler {
	return func(ctx context.Context, c *app.Call) (any, error) {
		r.mu.Lock()
		r.calls = append(r.calls, fmt.Sprintf("%s %s %s user=%s", c.Protocol, c.Operation.Name, c.Route, c.Metadata.Get("X-User")))
		r.mu.Unlock()
		if c.Metadata.Get("x-deny") != "" {
			return nil, app.NewError(app.CodePermissionDenied, "denied by middleware")
		}
		return next(ctx, c)
	}
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// newHelloApp returns the hello test app.
func newHelloApp(opts ...app.Option) *app.App {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(append([]app.Option{app.Name("hello"), app.Description("Greets people."), app.Logger(quiet)}, opts...)...)
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.Describe("Greets someone."))
	app.Stream(a, "greetings", func(_ context.Context, in GreetingsIn, send func(Greeting) error) error {
		for i := range in.Count {
			if err := send(Greeting{Index: i, Message: fmt.Sprintf("Hello #%d, %s!", i, in.Name)}); err != nil {
				return err
			}
		}
		return nil
	}, app.Describe("Sends count greetings."))
	app.Command(a, "updateProfile", func(_ context.Context, in Profile) (ProfileOut, error) {
		return ProfileOut{Profile: in, Updated: time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)}, nil
	}, app.Summary("Echoes a profile."))
	app.Query(a, "fail", func(_ context.Context, in FailIn) (Empty, error) {
		code, ok := app.ParseCode(in.Code)
		if !ok {
			return Empty{}, errors.New("database exploded")
		}
		if code == app.CodeInvalidArgument {
			return Empty{}, app.InvalidArgument("bad things", app.FieldViolation{Field: "code", Description: "is bad"})
		}
		return Empty{}, app.NewError(code, "failed with "+in.Code).WithDetail("code", in.Code)
	})
	app.Query(a, "whoami", func(ctx context.Context, _ Empty) (WhoAmIOut, error) {
		c := app.CallFrom(ctx)
		c.ResponseHeader.Set("X-Served-By", "allframe")
		return WhoAmIOut{User: c.Metadata.Get("x-user"), Peer: c.Peer, Route: c.Route, Agents: int32(len(c.Metadata.Values("user-agent")))}, nil
	})
	app.Query(a, "slow", func(ctx context.Context, _ Empty) (SlowOut, error) {
		_, ok := ctx.Deadline()
		<-ctx.Done()
		return SlowOut{HadDeadline: ok}, ctx.Err()
	})
	app.Query(a, "hey", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hey, " + in.Name + "!"}, nil
	}, app.Deprecated("use hello"))
	return a
}

// serve starts a on a bufconn listener with the gRPC transport and returns
// a client connection to it.
func serve(t testing.TB, a *app.App, opts ...afgrpc.Option) (*grpc.ClientConn, *afgrpc.Transport) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	tr := afgrpc.New(append([]afgrpc.Option{afgrpc.WithListener(lis)}, opts...)...)
	a.Mount(tr)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return conn, tr
}
