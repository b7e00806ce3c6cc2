package middleware

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/allframe-go/allframe/app"
)

// Defaults of the JWT authenticator's options.
const (
	DefaultLeeway     = 30 * time.Second
	DefaultScopeClaim = "scope"
	DefaultRolesClaim = "roles"
)

// DefaultAlgorithms are the signature algorithms JWT accepts by default.
// "none" is never accepted, and a key only verifies the algorithms of its
// own type (an HMAC secret HS*, an RSA key RS* and PS*, an ECDSA key ES*,
// an Ed25519 key EdDSA), so that a public key is never used as an HMAC
// secret.
var DefaultAlgorithms = []string{
	"HS256", "HS384", "HS512",
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA",
}

// KeySet supplies the keys that verify token signatures: HMACSecret,
// PublicKeys, or a JWKS fetched from a URL (NewJWKS).
type KeySet interface {
	// Key returns the key that verifies a token whose header names kid
	// (possibly "") and alg: a []byte secret or a crypto.PublicKey.
	Key(ctx context.Context, kid, alg string) (any, error)
}

type hmacSecret []byte

// HMACSecret returns a KeySet verifying HS256, HS384 and HS512 tokens with
// one shared secret, whatever their kid.
func HMACSecret(secret []byte) KeySet { return hmacSecret(secret) }

func (s hmacSecret) Key(_ context.Context, _, alg string) (any, error) {
	if !strings.HasPrefix(alg, "HS") {
		return nil, fmt.Errorf("algorithm %s does not fit an HMAC secret", alg)
	}
	return []byte(s), nil
}

type publicKeys map[string]crypto.PublicKey

// PublicKeys returns a KeySet of fixed public keys (*rsa.PublicKey,
// *ecdsa.PublicKey, ed25519.PublicKey) by key id. A token naming no kid is
// verified by the only key when there is one.
func PublicKeys(keys map[string]crypto.PublicKey) KeySet {
	m := make(publicKeys, len(keys))
	for kid, k := range keys {
		m[kid] = k
	}
	return m
}

func (p publicKeys) Key(_ context.Context, kid, alg string) (any, error) {
	k, ok := p[kid]
	if !ok && kid == "" && len(p) == 1 {
		for _, only := range p {
			k, ok = only, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	if err := keyFits(alg, k); err != nil {
		return nil, err
	}
	return k, nil
}

// keyFits checks that key is of the type alg verifies with.
func keyFits(alg string, key any) error {
	var ok bool
	switch {
	case strings.HasPrefix(alg, "HS"):
		_, ok = key.([]byte)
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		_, ok = key.(*rsa.PublicKey)
	case strings.HasPrefix(alg, "ES"):
		_, ok = key.(*ecdsa.PublicKey)
	case alg == "EdDSA":
		_, ok = key.(ed25519.PublicKey)
	}
	if !ok {
		return fmt.Errorf("algorithm %s does not fit a key of type %T", alg, key)
	}
	return nil
}

type jwtOptions struct {
	issuer     string
	audience   []string
	leeway     time.Duration
	algs       []string
	scopeClaim string
	rolesClaim string
	now        func() time.Time
}

// JWTOption configures NewJWT.
type JWTOption func(*jwtOptions)

// WithIssuer requires tokens whose "iss" claim is iss. Default: any issuer.
func WithIssuer(iss string) JWTOption { return func(o *jwtOptions) { o.issuer = iss } }

// WithAudience requires tokens whose "aud" claim names one of aud.
// Default: any audience.
func WithAudience(aud ...string) JWTOption {
	return func(o *jwtOptions) { o.audience = append(o.audience, aud...) }
}

// WithLeeway sets the clock skew allowed when checking "exp", "nbf" and
// "iat". Default: 30s.
func WithLeeway(d time.Duration) JWTOption { return func(o *jwtOptions) { o.leeway = d } }

// WithAlgorithms limits the accepted signature algorithms ("none" is
// never accepted). Default: DefaultAlgorithms.
func WithAlgorithms(algs ...string) JWTOption { return func(o *jwtOptions) { o.algs = algs } }

// WithScopeClaim names the claim holding the token's scopes, a
// space-separated string or an array of strings. Default: "scope", then
// "scp".
func WithScopeClaim(name string) JWTOption { return func(o *jwtOptions) { o.scopeClaim = name } }

// WithRolesClaim names the claim holding the token's roles, an array of
// strings or a space-separated string. Default: "roles".
func WithRolesClaim(name string) JWTOption { return func(o *jwtOptions) { o.rolesClaim = name } }

// WithTimeFunc sets the clock tokens are checked against. Default:
// time.Now.
func WithTimeFunc(now func() time.Time) JWTOption { return func(o *jwtOptions) { o.now = now } }

// JWT authenticates bearer JSON Web Tokens ("Authorization: Bearer <jwt>")
// with github.com/golang-jwt/jwt/v5: it verifies the signature with its
// KeySet, requires "exp", checks "exp", "nbf" and "iat" with leeway and
// the issuer and audience when configured. The identity's Subject is the
// "sub" claim (else "client_id", else "azp"); a token naming none is
// refused.
type JWT struct {
	keys   KeySet
	opts   jwtOptions
	parser *jwt.Parser
}

var _ Authenticator = (*JWT)(nil)

// NewJWT returns a JWT authenticator verifying signatures with keys.
func NewJWT(keys KeySet, opts ...JWTOption) *JWT {
	o := jwtOptions{leeway: DefaultLeeway, algs: DefaultAlgorithms, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	po := []jwt.ParserOption{
		jwt.WithValidMethods(o.algs),
		jwt.WithLeeway(o.leeway),
		jwt.WithTimeFunc(o.now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if o.issuer != "" {
		po = append(po, jwt.WithIssuer(o.issuer))
	}
	if len(o.audience) > 0 {
		po = append(po, jwt.WithAudience(o.audience...))
	}
	return &JWT{keys: keys, opts: o, parser: jwt.NewParser(po...)}
}

// Scheme returns the bearerAuth scheme: HTTP bearer, format JWT.
func (j *JWT) Scheme() app.SecurityScheme {
	return app.SecurityScheme{
		Name: SchemeBearer, Type: "http", Scheme: "bearer", BearerFormat: "JWT",
		Description: "A JSON Web Token in the Authorization header: Bearer <token>. " +
			"On gRPC, the authorization metadata; on GraphQL over WebSocket, the Authorization key of the connection_init payload.",
	}
}

// Authenticate verifies the bearer token of call, if any.
func (j *JWT) Authenticate(ctx context.Context, call *app.Call) (*Identity, error) {
	tok := bearerToken(call.Metadata.Get("Authorization"))
	if tok == "" {
		return nil, nil
	}
	claims := jwt.MapClaims{}
	var keyErr error
	_, err := j.parser.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := j.keys.Key(ctx, kid, t.Method.Alg())
		if err != nil {
			keyErr = err
			return nil, err
		}
		if err := keyFits(t.Method.Alg(), k); err != nil {
			return nil, err
		}
		return k, nil
	})
	var e *app.Error
	if errors.As(keyErr, &e) {
		return nil, e // e.g. the JWKS cannot be fetched: unavailable
	}
	if err != nil {
		return nil, app.WrapError(app.CodeUnauthenticated, tokenProblem(err), err)
	}
	id := &Identity{Subject: firstString(claims, "sub", "client_id", "azp"), Scheme: SchemeBearer, Claims: claims}
	if id.Subject == "" {
		return nil, app.NewError(app.CodeUnauthenticated, "invalid token: no subject")
	}
	if j.opts.scopeClaim != "" {
		id.Scopes = stringsClaim(claims[j.opts.scopeClaim])
	} else if id.Scopes = stringsClaim(claims[DefaultScopeClaim]); id.Scopes == nil {
		id.Scopes = stringsClaim(claims["scp"])
	}
	roles := j.opts.rolesClaim
	if roles == "" {
		roles = DefaultRolesClaim
	}
	id.Roles = stringsClaim(claims[roles])
	return id, nil
}

// tokenProblem is the client-safe reason a token was refused.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "invalid token: expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "invalid token: not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "invalid token: audience not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "invalid token: issuer not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "invalid token: a required claim is missing"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "invalid token: malformed"
	}
	return "invalid token"
}

// bearerToken returns the credentials of an "Authorization: Bearer …"
// value (the scheme is case-insensitive), or "" for any other.
func bearerToken(h string) string {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}

func firstString(claims jwt.MapClaims, names ...string) string {
	for _, n := range names {
		if s, ok := claims[n].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// stringsClaim reads a claim holding a space-separated string or an array
// of strings.
func stringsClaim(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
