package middleware_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

var testSecret = []byte("a test secret of thirty-two bytes")

// sign returns a token signed with method and key, with kid in its header
// unless empty.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims returns valid claims for subject sub, merged with extra.
func claims(sub string, extra jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{"sub": sub, "iss": "https://issuer.test", "aud": "accounts",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

type In struct {
	N int `json:"n"`
}

type Out struct {
	Subject string   `json:"subject"`
	Scopes  []string `json:"scopes"`
}

func whoami(ctx context.Context, _ In) (Out, error) {
	id := middleware.IdentityFrom(ctx)
	if id == nil {
		return Out{Subject: "anonymous"}, nil
	}
	if c := app.CallFrom(ctx); c.Subject != id.Subject {
		return Out{}, app.NewError(app.CodeInternal, "call subject "+c.Subject+" != "+id.Subject)
	}
	return Out{Subject: id.Subject, Scopes: id.Scopes}, nil
}

// newAuthApp returns an App with Auth (JWT with testSecret, API keys
// "k-read" and "k-admin") and operations of every policy.
func newAuthApp(t testing.TB, def app.OpOption) *app.App {
	t.Helper()
	keys, err := middleware.NewAPIKeys(map[string]middleware.Identity{
		"k-read":  {Subject: "ci", Scopes: []string{"accounts:read"}},
		"k-admin": {Subject: "ops", Roles: []string{"admin"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	jwtAuth := middleware.NewJWT(middleware.HMACSecret(testSecret),
		middleware.WithIssuer("https://issuer.test"), middleware.WithAudience("accounts"))
	a := app.New(app.Name("accounts"), middleware.Auth(def, jwtAuth, keys))
	app.Query(a, "defaulted", whoami)
	app.Query(a, "open", whoami, middleware.Public())
	app.Query(a, "signedIn", whoami, middleware.Authenticated())
	app.Command(a, "write", whoami, middleware.RequireScopes("accounts:write"))
	app.Command(a, "wipe", whoami, middleware.RequireRoles("admin"))
	app.Command(a, "both", whoami, middleware.RequireScopes("accounts:write"), middleware.RequireRoles("admin"))
	app.Query(a, "keysOnly", whoami, middleware.Security(app.SecurityRequirement{Scheme: middleware.SchemeAPIKey}))
	app.Query(a, "adminOp", whoami, app.Admin())
	return a
}

type outcome struct {
	Code            string
	Message         string
	Subject         string
	WWWAuthenticate string
}

func call(t testing.TB, a *app.App, op string, p app.Protocol, md app.MapMetadata) outcome {
	t.Helper()
	rh := app.MapMetadata{}
	out, err := a.Operation(op).Handle(context.Background(), &app.Call{Protocol: p, Metadata: md, ResponseHeader: rh, Input: &In{}})
	o := outcome{WWWAuthenticate: rh.Get("WWW-Authenticate")}
	if err != nil {
		e := app.ErrorFrom(err)
		o.Code, o.Message = e.Code.String(), e.Message
		return o
	}
	o.Subject = out.(*Out).Subject
	return o
}

func bearer(tok string) app.MapMetadata {
	md := app.MapMetadata{}
	md.Set("Authorization", "Bearer "+tok)
	return md
}

func apiKey(k string) app.MapMetadata {
	md := app.MapMetadata{}
	md.Set("X-API-Key", k)
	return md
}

// TestAuthPolicies runs each credential against each policy over the
// network (HTTP) and checks the outcome, the 401 challenge and the 403
// scope hint.
func TestAuthPolicies(t *testing.T) {
	a := newAuthApp(t, nil)
	alice := sign(t, jwt.SigningMethodHS256, testSecret, "", claims("alice", jwt.MapClaims{"scope": "accounts:read accounts:write"}))
	root := sign(t, jwt.SigningMethodHS256, testSecret, "", claims("root", jwt.MapClaims{"roles": []string{"admin"}, "scp": []string{"accounts:write"}}))
	expired := sign(t, jwt.SigningMethodHS256, testSecret, "", claims("alice", jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()}))
	const challenge = `Bearer realm="accounts", APIKey realm="accounts", header="X-API-Key"`
	const missing = "authentication required: send Authorization: Bearer <token> or X-API-Key: <key>"
	ok := func(sub string) outcome { return outcome{Subject: sub} }
	unauth := outcome{Code: "unauthenticated", Message: missing, WWWAuthenticate: challenge}
	tests := []struct {
		name string
		op   string
		give app.MapMetadata
		want outcome
	}{
		{"public, no credentials", "open", nil, ok("anonymous")},
		{"public, a token", "open", bearer(alice), ok("alice")},
		{"public, an expired token", "open", bearer(expired), ok("anonymous")},
		{"default, no credentials", "defaulted", nil, unauth},
		{"default, a token", "defaulted", bearer(alice), ok("alice")},
		{"default, an API key", "defaulted", apiKey("k-read"), ok("ci")},
		{"authenticated, no credentials", "signedIn", nil, unauth},
		{"authenticated, basic credentials", "signedIn", app.MapMetadata{"authorization": {"Basic YTpi"}}, unauth},
		{"authenticated, an expired token", "signedIn", bearer(expired), outcome{
			Code: "unauthenticated", Message: "invalid token: expired",
			WWWAuthenticate: `Bearer realm="accounts", error="invalid_token", error_description="invalid token: expired", APIKey realm="accounts", header="X-API-Key"`,
		}},
		{"authenticated, a wrong API key", "signedIn", apiKey("k-nope"), outcome{
			Code: "unauthenticated", Message: "invalid API key", WWWAuthenticate: challenge,
		}},
		{"scope, held", "write", bearer(alice), ok("alice")},
		{"scope, held in scp", "write", bearer(root), ok("root")},
		{"scope, missing", "write", apiKey("k-read"), outcome{
			Code: "permission_denied", Message: "operation write requires scope accounts:write",
		}},
		{"scope, missing from a token", "write", bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", claims("bob", nil))), outcome{
			Code: "permission_denied", Message: "operation write requires scope accounts:write",
			WWWAuthenticate: `Bearer realm="accounts", error="insufficient_scope", scope="accounts:write"`,
		}},
		{"scope, no credentials", "write", nil, unauth},
		{"role, held", "wipe", apiKey("k-admin"), ok("ops")},
		{"role, missing", "wipe", bearer(alice), outcome{
			Code: "permission_denied", Message: "operation wipe requires role admin",
			WWWAuthenticate: `Bearer realm="accounts", error="insufficient_scope"`,
		}},
		{"scope and role, both held", "both", bearer(root), ok("root")},
		{"scope and role, role missing", "both", bearer(alice), outcome{
			Code: "permission_denied", Message: "operation both requires role admin",
			WWWAuthenticate: `Bearer realm="accounts", error="insufficient_scope"`,
		}},
		{"scheme, API key", "keysOnly", apiKey("k-read"), ok("ci")},
		{"scheme, a token instead", "keysOnly", bearer(alice), outcome{
			Code: "permission_denied", Message: "operation keysOnly requires other credentials than bearerAuth",
			WWWAuthenticate: `Bearer realm="accounts", error="insufficient_scope"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := tt.give
			if md == nil {
				md = app.MapMetadata{}
			}
			got := call(t, a, tt.op, app.ProtocolHTTP, md)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

// TestAuthInProcess checks that in-process calls without credentials run
// as trusted (no identity), while credentials they carry are checked.
func TestAuthInProcess(t *testing.T) {
	a := newAuthApp(t, nil)
	if got := call(t, a, "write", app.ProtocolInProcess, app.MapMetadata{}); got != (outcome{Subject: "anonymous"}) {
		t.Errorf("in process, no credentials: %+v; want to run anonymously", got)
	}
	if got := call(t, a, "write", app.ProtocolInProcess, apiKey("k-read")); got.Code != "permission_denied" {
		t.Errorf("in process, an API key without the scope: %+v; want permission_denied", got)
	}
	out, err := app.Invoke[In, Out](context.Background(), a, "signedIn", In{}, app.WithMetadata(apiKey("k-read")))
	if err != nil || out.Subject != "ci" {
		t.Errorf("Invoke with an API key: %+v, %v; want subject ci", out, err)
	}
	// An identity set by an earlier middleware (or a test) is used as is.
	ctx := middleware.WithIdentity(context.Background(), &middleware.Identity{Subject: "svc", Scopes: []string{"accounts:write"}})
	if _, err := a.Operation("write").Handle(ctx, &app.Call{Protocol: app.ProtocolGRPC, Input: &In{}}); err != nil {
		t.Errorf("identity in context: %v; want allowed", err)
	}
}

// TestAuthAdminLeftToGate checks that admin operations are guarded by the
// admin gate, not by Auth: a bearer admin token is not taken for a JWT.
func TestAuthAdminLeftToGate(t *testing.T) {
	t.Setenv(app.AdminTokenEnv, "")
	a := newAuthApp(t, nil)
	if got := call(t, a, "adminOp", app.ProtocolHTTP, app.MapMetadata{}); got.Code != "permission_denied" || !strings.Contains(got.Message, app.AdminTokenEnv) {
		t.Errorf("admin op without the admin token: %+v; want the admin gate's refusal", got)
	}
	b := app.New(app.Name("x"), app.AdminToken("opaque-admin-token"),
		middleware.Auth(nil, middleware.NewJWT(middleware.HMACSecret(testSecret))))
	app.Query(b, "adminOp", whoami, app.Admin())
	if got := call(t, b, "adminOp", app.ProtocolHTTP, bearer("opaque-admin-token")); got.Code != "" {
		t.Errorf("admin op with the admin token: %+v; want allowed", got)
	}
}

// TestAuthDefaultPublic checks an App-wide public default: undeclared
// operations run anonymously, declared ones are still protected.
func TestAuthDefaultPublic(t *testing.T) {
	a := newAuthApp(t, middleware.Public())
	if got := call(t, a, "defaulted", app.ProtocolGRPC, app.MapMetadata{}); got != (outcome{Subject: "anonymous"}) {
		t.Errorf("defaulted: %+v; want anonymous", got)
	}
	if got := call(t, a, "signedIn", app.ProtocolGRPC, app.MapMetadata{}); got.Code != "unauthenticated" {
		t.Errorf("signedIn: %+v; want unauthenticated", got)
	}
}

// TestSecurityRequirements checks what schema emitters read: the default
// applied, requirements naming no scheme repeated per declared scheme,
// public as an empty list, admin operations left out.
func TestSecurityRequirements(t *testing.T) {
	a := newAuthApp(t, nil)
	got := map[string][]app.SecurityRequirement{}
	for _, op := range a.Operations() {
		got[op.Name] = op.SecurityRequirements()
	}
	both := func(scopes, roles []string) []app.SecurityRequirement {
		return []app.SecurityRequirement{
			{Scheme: middleware.SchemeBearer, Scopes: scopes, Roles: roles},
			{Scheme: middleware.SchemeAPIKey, Scopes: scopes, Roles: roles},
		}
	}
	want := map[string][]app.SecurityRequirement{
		"defaulted": both(nil, nil),
		"open":      {},
		"signedIn":  both(nil, nil),
		"write":     both([]string{"accounts:write"}, nil),
		"wipe":      both(nil, []string{"admin"}),
		"both":      both([]string{"accounts:write"}, []string{"admin"}),
		"keysOnly":  {{Scheme: middleware.SchemeAPIKey}},
		"adminOp":   nil,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if got["open"] == nil {
		t.Error("open: nil requirements; want an empty list (public)")
	}
	var names []string
	for _, s := range a.SecuritySchemes() {
		names = append(names, s.Name+":"+s.Type)
	}
	if diff := cmp.Diff(names, []string{"bearerAuth:http", "apiKey:apiKey"}); diff != "" {
		t.Errorf("schemes (-got +want):\n%s", diff)
	}
}
