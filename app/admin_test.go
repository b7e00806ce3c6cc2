package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/google/go-cmp/cmp"
)

type wipeIn struct {
	Name string `json:"name" validate:"required"`
}

type wipeOut struct {
	Wiped string `json:"wiped"`
}

// newAdmin returns an App with one admin command, "wipe", and one plain
// query, "hello"; ran counts the calls that reached wipe's handler or any
// middleware.
func newAdmin(t *testing.T, token string, opts ...app.Option) (a *app.App, ran *int) {
	t.Helper()
	t.Setenv(app.AdminTokenEnv, token)
	ran = new(int)
	count := func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			*ran++
			return next(ctx, call)
		}
	}
	a = newHello(t, append([]app.Option{app.Use(count)}, opts...)...)
	app.Command(a, "wipe", func(_ context.Context, in wipeIn) (wipeOut, error) {
		*ran++
		return wipeOut{Wiped: in.Name}, nil
	}, app.Admin(), app.Tags("ops"), app.Admin())
	return a, ran
}

// handle calls op over protocol p with an Authorization header (none when
// auth is empty) and returns the error code.
func handle(t *testing.T, a *app.App, name string, p app.Protocol, auth string, in any) app.Code {
	t.Helper()
	md := app.MapMetadata{}
	if auth != "" {
		md.Set("Authorization", auth)
	}
	_, err := a.Operation(name).Handle(context.Background(), &app.Call{Protocol: p, Metadata: md, Input: in, Peer: "192.0.2.1:1234"})
	return app.CodeOf(err)
}

func TestAdminTags(t *testing.T) {
	a, _ := newAdmin(t, "")
	op := a.Operation("wipe")
	if !op.Admin {
		t.Error("wipe: Admin = false; want true")
	}
	if diff := cmp.Diff(op.Tags, []string{app.AdminTag, "ops"}); diff != "" {
		t.Errorf("wipe tags (-got +want):\n%s", diff)
	}
	if a.Operation("hello").Admin {
		t.Error("hello: Admin = true; want false")
	}
}

func TestAdminGateDefaultToken(t *testing.T) {
	tests := []struct {
		name  string
		env   string // ALLFRAME_ADMIN_TOKEN
		opts  []app.Option
		proto app.Protocol
		give  string // Authorization header
		want  app.Code
	}{
		{name: "unset, no header", proto: app.ProtocolHTTP, want: app.CodePermissionDenied},
		{name: "unset, any bearer", proto: app.ProtocolGRPC, give: "Bearer ", want: app.CodePermissionDenied},
		{name: "unset, in process", proto: app.ProtocolInProcess, want: app.CodeOK},
		{name: "set, no header", env: "s3cret-token", proto: app.ProtocolHTTP, want: app.CodePermissionDenied},
		{name: "set, right token", env: "s3cret-token", proto: app.ProtocolHTTP, give: "Bearer s3cret-token", want: app.CodeOK},
		{name: "set, scheme in lower case", env: "s3cret-token", proto: app.ProtocolGRPC, give: "bearer s3cret-token", want: app.CodeOK},
		{name: "set, graphql", env: "s3cret-token", proto: app.ProtocolGraphQL, give: "Bearer s3cret-token", want: app.CodeOK},
		{name: "set, wrong token", env: "s3cret-token", proto: app.ProtocolHTTP, give: "Bearer s3cret-tokeN", want: app.CodePermissionDenied},
		{name: "set, prefix of token", env: "s3cret-token", proto: app.ProtocolHTTP, give: "Bearer s3cret", want: app.CodePermissionDenied},
		{name: "set, token without scheme", env: "s3cret-token", proto: app.ProtocolHTTP, give: "s3cret-token", want: app.CodePermissionDenied},
		{name: "set, basic scheme", env: "s3cret-token", proto: app.ProtocolHTTP, give: "Basic s3cret-token", want: app.CodePermissionDenied},
		{name: "set, unknown protocol", env: "s3cret-token", proto: app.Protocol("carrier-pigeon"), want: app.CodePermissionDenied},
		{name: "set, unknown protocol with token", env: "s3cret-token", proto: app.Protocol("carrier-pigeon"), give: "Bearer s3cret-token", want: app.CodeOK},
		{name: "set, no protocol named", env: "s3cret-token", proto: "", want: app.CodePermissionDenied},
		{name: "option overrides env", env: "s3cret-token", opts: []app.Option{app.AdminToken("other")}, proto: app.ProtocolHTTP, give: "Bearer other", want: app.CodeOK},
		{name: "option overrides env, env token refused", env: "s3cret-token", opts: []app.Option{app.AdminToken("other")}, proto: app.ProtocolHTTP, give: "Bearer s3cret-token", want: app.CodePermissionDenied},
		{name: "empty option refuses", env: "s3cret-token", opts: []app.Option{app.AdminToken("")}, proto: app.ProtocolHTTP, give: "Bearer s3cret-token", want: app.CodePermissionDenied},
		{name: "nil authorizer refuses", env: "s3cret-token", opts: []app.Option{app.AdminAuth(nil)}, proto: app.ProtocolHTTP, give: "Bearer s3cret-token", want: app.CodePermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ran := newAdmin(t, tt.env, tt.opts...)
			got := handle(t, a, "wipe", tt.proto, tt.give, &wipeIn{Name: "x"})
			if got != tt.want {
				t.Errorf("code = %v; want %v", got, tt.want)
			}
			wantRan := 0
			if tt.want == app.CodeOK {
				wantRan = 2 // middleware and handler
			}
			if *ran != wantRan {
				t.Errorf("middleware and handler ran %d times; want %d", *ran, wantRan)
			}
		})
	}
}

func TestAdminGateMessage(t *testing.T) {
	a, _ := newAdmin(t, "")
	_, err := a.Operation("wipe").Handle(context.Background(), &app.Call{Protocol: app.ProtocolHTTP, Input: &wipeIn{Name: "x"}})
	e := app.ErrorFrom(err)
	want := "admin operation wipe refused: set ALLFRAME_ADMIN_TOKEN on the server and send Authorization: Bearer <token>"
	if e.Code != app.CodePermissionDenied || e.Message != want {
		t.Errorf("got %v %q; want permission_denied %q", e.Code, e.Message, want)
	}
}

// A refused call is answered before its input is checked: bad or missing
// input gets permission_denied, not invalid_argument, and nothing runs.
func TestAdminGateBeforeInput(t *testing.T) {
	a, ran := newAdmin(t, "s3cret-token")
	op := a.Operation("wipe")
	_, err := op.Handle(context.Background(), &app.Call{Protocol: app.ProtocolHTTP, InputErr: errors.New("malformed JSON"), Input: &wipeIn{}})
	if got := app.CodeOf(err); got != app.CodePermissionDenied {
		t.Errorf("malformed input: code = %v; want permission_denied", got)
	}
	if got := handle(t, a, "wipe", app.ProtocolHTTP, "", &wipeIn{}); got != app.CodePermissionDenied {
		t.Errorf("invalid input: code = %v; want permission_denied", got)
	}
	if *ran != 0 {
		t.Errorf("middleware or handler ran %d times; want 0", *ran)
	}
	// Allowed, the same input is checked as usual.
	if got := handle(t, a, "wipe", app.ProtocolHTTP, "Bearer s3cret-token", &wipeIn{}); got != app.CodeInvalidArgument {
		t.Errorf("invalid input with token: code = %v; want invalid_argument", got)
	}
}

func TestAdminGateLeavesOtherOperations(t *testing.T) {
	a, _ := newAdmin(t, "")
	if got := handle(t, a, "hello", app.ProtocolHTTP, "", &HelloIn{Name: "Ada"}); got != app.CodeOK {
		t.Errorf("hello: code = %v; want ok", got)
	}
}

func TestAdminInProcess(t *testing.T) {
	a, _ := newAdmin(t, "")
	out, err := app.Invoke[wipeIn, wipeOut](context.Background(), a, "wipe", wipeIn{Name: "x"})
	if err != nil || out.Wiped != "x" {
		t.Errorf("Invoke = %+v, %v; want {x}, nil", out, err)
	}
	if _, err := a.InvokeJSON(context.Background(), "wipe", []byte(`{"name":"y"}`)); err != nil {
		t.Errorf("InvokeJSON: %v", err)
	}
}

func TestAdminAuthCustom(t *testing.T) {
	errSecret := errors.New("role lookup failed: db password is hunter2")
	var seen []string
	auth := func(_ context.Context, call *app.Call) error {
		seen = append(seen, call.Operation.Name+" "+call.Protocol.String()+" "+call.Peer)
		switch call.Metadata.Get("X-Role") {
		case "operator":
			return nil
		case "":
			return app.NewError(app.CodeUnauthenticated, "who are you?")
		case "broken":
			return errSecret
		case "slow":
			return context.DeadlineExceeded
		}
		return app.NewError(app.CodePermissionDenied, "operators only")
	}
	a, ran := newAdmin(t, "s3cret-token", app.AdminAuth(auth))
	tests := []struct {
		give    string // X-Role
		want    app.Code
		wantMsg string
	}{
		{give: "operator", want: app.CodeOK},
		{give: "", want: app.CodeUnauthenticated, wantMsg: "who are you?"},
		{give: "guest", want: app.CodePermissionDenied, wantMsg: "operators only"},
		{give: "broken", want: app.CodePermissionDenied, wantMsg: "admin operation wipe refused"},
		{give: "slow", want: app.CodeDeadlineExceeded, wantMsg: "deadline exceeded"},
	}
	for _, tt := range tests {
		md := app.MapMetadata{}
		if tt.give != "" {
			md.Set("X-Role", tt.give)
		}
		// The default token no longer opens the gate once AdminAuth is set.
		md.Set("Authorization", "Bearer s3cret-token")
		_, err := a.Operation("wipe").Handle(context.Background(), &app.Call{Protocol: app.ProtocolGRPC, Metadata: md, Input: &wipeIn{Name: "x"}, Peer: "p"})
		e := app.ErrorFrom(err)
		if app.CodeOf(err) != tt.want || (e != nil && e.Message != tt.wantMsg) {
			t.Errorf("role %q: got %v; want %v %q", tt.give, err, tt.want, tt.wantMsg)
		}
		if tt.give == "broken" && !errors.Is(err, errSecret) {
			t.Errorf("role broken: the authorizer's error is not the cause of %v", err)
		}
		if e != nil && strings.Contains(e.Message, "hunter2") {
			t.Errorf("role %q: message leaks the authorizer's error: %q", tt.give, e.Message)
		}
	}
	if len(seen) != len(tests) || seen[0] != "wipe grpc p" {
		t.Errorf("authorizer saw %q; want %d calls of \"wipe grpc p\"", seen, len(tests))
	}
	if *ran != 2 {
		t.Errorf("middleware and handler ran %d times; want 2 (the operator's call)", *ran)
	}
}

func TestAdminAuthPanics(t *testing.T) {
	a, ran := newAdmin(t, "", app.AdminAuth(func(context.Context, *app.Call) error { panic("bad authorizer") }))
	if got := handle(t, a, "wipe", app.ProtocolHTTP, "", &wipeIn{Name: "x"}); got != app.CodeInternal {
		t.Errorf("code = %v; want internal", got)
	}
	if *ran != 0 {
		t.Errorf("middleware or handler ran %d times; want 0", *ran)
	}
}

func TestAdminConfiguredAndAuthorizeAdmin(t *testing.T) {
	t.Setenv(app.AdminTokenEnv, "")
	op := &app.Operation{Name: "console", Admin: true}
	tests := []struct {
		name           string
		opts           []app.Option
		env, auth      string
		wantConfigured bool
		wantCode       app.Code // of AuthorizeAdmin over HTTP; CodeOK: allowed
	}{
		{"nothing", nil, "", "Bearer x", false, app.CodePermissionDenied},
		{"env token", nil, "tok", "Bearer tok", true, app.CodeOK},
		{"env token, wrong", nil, "tok", "Bearer x", true, app.CodePermissionDenied},
		{"AdminToken", []app.Option{app.AdminToken("t2")}, "", "Bearer t2", true, app.CodeOK},
		{"AdminToken empty", []app.Option{app.AdminToken("")}, "", "Bearer ", false, app.CodePermissionDenied},
		{"AdminAuth", []app.Option{app.AdminAuth(func(context.Context, *app.Call) error { return nil })}, "", "", true, app.CodeOK},
		{"AdminAuth nil", []app.Option{app.AdminAuth(nil)}, "tok", "Bearer tok", false, app.CodePermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(app.AdminTokenEnv, tt.env)
			a := app.New(tt.opts...)
			if got := a.AdminConfigured(); got != tt.wantConfigured {
				t.Errorf("AdminConfigured() = %v, want %v", got, tt.wantConfigured)
			}
			md := app.MapMetadata{}
			md.Set("Authorization", tt.auth)
			err := a.AuthorizeAdmin(context.Background(), &app.Call{Operation: op, Protocol: app.ProtocolHTTP, Metadata: md})
			if got := app.CodeOf(err); got != tt.wantCode {
				t.Errorf("AuthorizeAdmin: %v (%v), want %v", got, err, tt.wantCode)
			}
			if err := a.AuthorizeAdmin(context.Background(), &app.Call{Operation: op, Protocol: app.ProtocolInProcess, Metadata: md}); err != nil {
				t.Errorf("in process: %v", err)
			}
		})
	}
}
