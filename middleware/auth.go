package middleware

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/allframe-go/allframe/app"
)

// The names of the security schemes of this package's authenticators, as
// they appear in app.SecurityRequirement.Scheme and in the OpenAPI
// document's components.securitySchemes.
const (
	// SchemeBearer is the scheme of JWT: "Authorization: Bearer <jwt>".
	SchemeBearer = "bearerAuth"
	// SchemeAPIKey is the scheme of APIKeys: a key in a header.
	SchemeAPIKey = "apiKey"
)

// Authenticator establishes a caller's identity from one kind of
// credentials carried in the call's metadata (HTTP headers, gRPC metadata,
// a GraphQL WebSocket's connection_init payload). JWT and APIKeys are
// Authenticators; a service may write its own.
type Authenticator interface {
	// Scheme describes the credentials for schema emitters; its Name is
	// the Scheme of the identities Authenticate returns.
	Scheme() app.SecurityScheme
	// Authenticate returns the identity of call's credentials; (nil, nil)
	// when the call carries none of this kind; an error when they are
	// invalid. An *app.Error reaches the client as is (e.g. unavailable
	// when keys cannot be fetched); any other error is refused as
	// unauthenticated, the error staying the hidden cause.
	Authenticate(ctx context.Context, call *app.Call) (*Identity, error)
}

// Public makes an operation callable without credentials. Credentials a
// call carries anyway are checked and, when valid, make its identity
// available; invalid ones are ignored.
func Public() app.OpOption {
	return func(op *app.Operation) { op.Security = []app.SecurityRequirement{} }
}

// Authenticated makes an operation require an authenticated caller, by any
// scheme the App's Auth accepts. It is Auth's usual default.
func Authenticated() app.OpOption {
	return func(op *app.Operation) {
		if len(op.Security) == 0 {
			op.Security = []app.SecurityRequirement{{}}
		}
	}
}

// RequireScopes makes an operation require an authenticated caller holding
// every scope listed (a JWT's "scope" or "scp" claim, an API key's
// Identity.Scopes); a caller without them is refused with
// permission_denied. Scopes add up across options.
func RequireScopes(scopes ...string) app.OpOption {
	return require(func(r *app.SecurityRequirement) { r.Scopes = appendNew(r.Scopes, scopes) })
}

// RequireRoles makes an operation require an authenticated caller holding
// every role listed (a JWT's "roles" claim, an API key's Identity.Roles);
// a caller without them is refused with permission_denied. Roles add up
// across options.
func RequireRoles(roles ...string) app.OpOption {
	return require(func(r *app.SecurityRequirement) { r.Roles = appendNew(r.Roles, roles) })
}

// Security sets an operation's requirements outright: a caller must meet
// one of them (e.g. a JWT with a scope, or an API key with a role).
// Security() with no requirement is Public().
func Security(reqs ...app.SecurityRequirement) app.OpOption {
	return func(op *app.Operation) {
		op.Security = make([]app.SecurityRequirement, len(reqs))
		for i, r := range reqs {
			op.Security[i] = app.SecurityRequirement{Scheme: r.Scheme, Scopes: slices.Clone(r.Scopes), Roles: slices.Clone(r.Roles)}
		}
	}
}

func require(f func(*app.SecurityRequirement)) app.OpOption {
	return func(op *app.Operation) {
		Authenticated()(op)
		for i := range op.Security {
			f(&op.Security[i])
		}
	}
}

func appendNew(have, add []string) []string {
	have = slices.Clone(have)
	for _, s := range add {
		if !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	return have
}

// Auth returns an app.Option that installs authentication and
// authorization, written once for every protocol: App-wide middleware that
// authenticates each call with the first of authenticators whose
// credentials it carries, then checks the operation's requirements
// (Public, Authenticated, RequireScopes, RequireRoles, Security; def for
// operations that declare none, nil meaning Authenticated()). It also
// declares the authenticators' schemes on the App, so the OpenAPI document
// lists them and each operation's requirement.
//
// A call without credentials to a protected operation is refused with
// unauthenticated (HTTP 401 with WWW-Authenticate, gRPC UNAUTHENTICATED,
// GraphQL extensions.code UNAUTHENTICATED), as is one with invalid
// credentials; a caller lacking a scope or role is refused with
// permission_denied (403, PERMISSION_DENIED). GraphQL runs the chain per
// root field, so a protected field fails alone; streams and subscriptions
// are checked once, before their first item.
//
// Handlers read the caller with IdentityFrom; Call.Subject names it (the
// CQRS module records it with appended events). In-process calls (Invoke)
// without credentials run as trusted, with no identity. Admin operations
// without their own Security are left to the App's admin gate. An
// Identity already in the context (set by an earlier middleware) is used
// as is. Call it before the App starts.
func Auth(def app.OpOption, authenticators ...Authenticator) app.Option {
	return func(a *app.App) {
		if def == nil {
			def = Authenticated()
		}
		var scratch app.Operation
		def(&scratch)
		au := &auth{def: scratch.Security, authenticators: authenticators, owner: a}
		if au.def == nil {
			au.def = []app.SecurityRequirement{}
		}
		schemes := make([]app.SecurityScheme, len(authenticators))
		for i, x := range authenticators {
			schemes[i] = x.Scheme()
		}
		a.DeclareSecurity(au.def, schemes...)
		a.Use(au.middleware)
	}
}

type auth struct {
	def            []app.SecurityRequirement
	authenticators []Authenticator
	owner          *app.App // its name is the realm; its logger may be set after Auth
}

var _ app.Middleware = (*auth)(nil).middleware

func (au *auth) middleware(next app.Handler) app.Handler {
	return func(ctx context.Context, call *app.Call) (any, error) {
		op := call.Operation
		reqs := op.Security
		if reqs == nil {
			if op.Admin {
				return next(ctx, call)
			}
			reqs = au.def
		}
		id := IdentityFrom(ctx)
		if id == nil {
			var err error
			var by int
			id, by, err = au.authenticate(ctx, call)
			switch {
			case err != nil && len(reqs) == 0:
				id = nil // a public operation: invalid credentials are ignored
			case err != nil:
				return nil, au.refuse(ctx, call, by, err)
			case id == nil && len(reqs) > 0 && call.Protocol != app.ProtocolInProcess:
				return nil, au.refuse(ctx, call, -1, nil)
			}
		}
		if id != nil && len(reqs) > 0 && !satisfies(id, reqs) {
			return nil, au.forbid(ctx, call, id, reqs)
		}
		if id == nil {
			return next(ctx, call)
		}
		call.Subject = id.Subject
		return next(WithIdentity(ctx, id), call)
	}
}

// authenticate asks each authenticator in turn; the first that finds its
// credentials decides, and its index is returned (-1 when none did).
func (au *auth) authenticate(ctx context.Context, call *app.Call) (*Identity, int, error) {
	for i, x := range au.authenticators {
		id, err := x.Authenticate(ctx, call)
		if err != nil {
			return nil, i, err
		}
		if id != nil {
			if id.Scheme == "" {
				id.Scheme = x.Scheme().Name
			}
			return id, i, nil
		}
	}
	return nil, -1, nil
}

func satisfies(id *Identity, reqs []app.SecurityRequirement) bool {
	for _, r := range reqs {
		if meets(id, r) {
			return true
		}
	}
	return false
}

func meets(id *Identity, r app.SecurityRequirement) bool {
	if r.Scheme != "" && r.Scheme != id.Scheme {
		return false
	}
	for _, s := range r.Scopes {
		if !id.HasScope(s) {
			return false
		}
	}
	for _, role := range r.Roles {
		if !id.HasRole(role) {
			return false
		}
	}
	return true
}

// refuse is the unauthenticated answer: no credentials (by < 0) or the
// credentials of authenticator by rejected with err. It sets WWW-Authenticate with a
// challenge per scheme, the failed one carrying RFC 6750's error.
func (au *auth) refuse(ctx context.Context, call *app.Call, by int, err error) error {
	var e *app.Error
	if errors.As(err, &e) && e.Code != app.CodeUnauthenticated {
		au.owner.Logger().WarnContext(ctx, "authentication failed", "operation", call.Operation.Name,
			"protocol", call.Protocol.String(), "error", err)
		return e
	}
	switch {
	case err == nil:
		e = app.NewError(app.CodeUnauthenticated, "authentication required: send "+au.hints())
	case e == nil:
		e = app.WrapError(app.CodeUnauthenticated, "invalid "+au.authenticators[by].Scheme().Name+" credentials", err)
	}
	var b strings.Builder
	for i, x := range au.authenticators {
		s := x.Scheme()
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(au.challenge(s))
		if i == by && s.Type == "http" {
			b.WriteString(`, error="invalid_token", error_description=` + quote(e.Message))
		}
	}
	if b.Len() > 0 {
		call.ResponseHeader.Set("WWW-Authenticate", b.String())
	}
	au.owner.Logger().DebugContext(ctx, "call refused", "operation", call.Operation.Name,
		"protocol", call.Protocol.String(), "peer", call.Peer, "reason", e.Error())
	return e
}

// forbid is the permission_denied answer to an identity that meets no
// requirement; its message names what the nearest requirement misses.
func (au *auth) forbid(ctx context.Context, call *app.Call, id *Identity, reqs []app.SecurityRequirement) error {
	r := reqs[0]
	for _, x := range reqs {
		if x.Scheme == "" || x.Scheme == id.Scheme {
			r = x
			break
		}
	}
	var missing []string
	var scopes []string
	for _, s := range r.Scopes {
		if !id.HasScope(s) {
			missing = append(missing, "scope "+s)
			scopes = append(scopes, s)
		}
	}
	for _, role := range r.Roles {
		if !id.HasRole(role) {
			missing = append(missing, "role "+role)
		}
	}
	msg := "operation " + call.Operation.Name + " requires "
	switch {
	case len(missing) > 0:
		msg += strings.Join(missing, ", ")
	default:
		msg += "other credentials than " + id.Scheme
	}
	for _, x := range au.authenticators {
		if s := x.Scheme(); s.Name == id.Scheme && s.Type == "http" {
			v := au.challenge(s) + `, error="insufficient_scope"`
			if len(scopes) > 0 {
				v += ", scope=" + quote(strings.Join(scopes, " "))
			}
			call.ResponseHeader.Set("WWW-Authenticate", v)
		}
	}
	au.owner.Logger().DebugContext(ctx, "call forbidden", "operation", call.Operation.Name,
		"protocol", call.Protocol.String(), "subject", id.Subject, "reason", msg)
	return app.NewError(app.CodePermissionDenied, msg)
}

// challenge is the WWW-Authenticate challenge of a scheme: "Bearer
// realm=…" for HTTP schemes, "APIKey realm=…, header=…" for API keys.
func (au *auth) challenge(s app.SecurityScheme) string {
	v := "APIKey realm=" + quote(au.owner.Name())
	if s.Type == "http" {
		v = httpScheme(s) + " realm=" + quote(au.owner.Name())
	}
	if s.Type == "apiKey" && s.Param != "" {
		v += ", " + s.In + "=" + quote(s.Param)
	}
	return v
}

// httpScheme is the title-cased scheme of an "http" scheme, e.g. "Bearer".
func httpScheme(s app.SecurityScheme) string {
	if s.Scheme == "" {
		return "Bearer"
	}
	return strings.ToUpper(s.Scheme[:1]) + s.Scheme[1:]
}

// hints names the credentials a caller may send, for the 401 message.
func (au *auth) hints() string {
	var hs []string
	for _, x := range au.authenticators {
		switch s := x.Scheme(); s.Type {
		case "http":
			hs = append(hs, "Authorization: "+httpScheme(s)+" <token>")
		case "apiKey":
			hs = append(hs, s.Param+": <key>")
		default:
			hs = append(hs, s.Name+" credentials")
		}
	}
	if len(hs) == 0 {
		return "credentials"
	}
	return strings.Join(hs, " or ")
}

// quote is an RFC 9110 quoted-string.
func quote(s string) string {
	q := strconv.Quote(s)
	var b strings.Builder
	for _, r := range q { // keep only what a header value may carry
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		}
	}
	return b.String()
}
