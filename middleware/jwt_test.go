package middleware_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

type testKeys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}

func newTestKeys(t testing.TB) testKeys {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, d, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKeys{rsa: r, ec: e, ed: d}
}

// authenticate runs j on a call carrying tok and returns the subject, or
// the error's code and message.
func authenticate(j *middleware.JWT, tok string) (string, error) {
	id, err := j.Authenticate(context.Background(), &app.Call{Metadata: bearer(tok)})
	if err != nil {
		return "", err
	}
	if id == nil {
		return "", nil
	}
	return id.Subject, nil
}

// TestJWTAlgorithms checks tokens signed with HS256, RS256, ES256 and
// EdDSA verify, each only with a key of its own type.
func TestJWTAlgorithms(t *testing.T) {
	k := newTestKeys(t)
	pub := middleware.PublicKeys(map[string]crypto.PublicKey{
		"rsa": &k.rsa.PublicKey, "ec": &k.ec.PublicKey, "ed": k.ed.Public(),
	})
	hmac := middleware.NewJWT(middleware.HMACSecret(testSecret))
	asym := middleware.NewJWT(pub)
	tests := []struct {
		name string
		j    *middleware.JWT
		give string
		want string // subject, or the error's message
	}{
		{"HS256", hmac, sign(t, jwt.SigningMethodHS256, testSecret, "", claims("hs", nil)), "hs"},
		{"HS512", hmac, sign(t, jwt.SigningMethodHS512, testSecret, "", claims("hs", nil)), "hs"},
		{"RS256", asym, sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims("rs", nil)), "rs"},
		{"PS256", asym, sign(t, jwt.SigningMethodPS256, k.rsa, "rsa", claims("ps", nil)), "ps"},
		{"ES256", asym, sign(t, jwt.SigningMethodES256, k.ec, "ec", claims("es", nil)), "es"},
		{"EdDSA", asym, sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", claims("ed", nil)), "ed"},
		{"RS256 with the EdDSA key's id", asym, sign(t, jwt.SigningMethodRS256, k.rsa, "ed", claims("rs", nil)), "unauthenticated: invalid token"},
		{"RS256 to an HMAC secret", hmac, sign(t, jwt.SigningMethodRS256, k.rsa, "", claims("rs", nil)), "unauthenticated: invalid token"},
		{"HS256 to public keys", asym, sign(t, jwt.SigningMethodHS256, testSecret, "rsa", claims("hs", nil)), "unauthenticated: invalid token"},
		{"unknown kid", asym, sign(t, jwt.SigningMethodRS256, k.rsa, "other", claims("rs", nil)), "unauthenticated: invalid token"},
		{"wrong secret", hmac, sign(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two byte"), "", claims("hs", nil)), "unauthenticated: invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authenticate(tt.j, tt.give)
			if err != nil {
				got = app.ErrorFrom(err).Code.String() + ": " + app.ErrorFrom(err).Message
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestJWTAlgorithmConfusion signs an HS256 token with the RSA public key's
// PEM bytes as the secret, the classic confusion attack: it must fail
// against a key set of public keys.
func TestJWTAlgorithmConfusion(t *testing.T) {
	k := newTestKeys(t)
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	j := middleware.NewJWT(middleware.PublicKeys(map[string]crypto.PublicKey{"": &k.rsa.PublicKey}))
	if sub, err := authenticate(j, sign(t, jwt.SigningMethodHS256, der, "", claims("mallory", nil))); err == nil {
		t.Errorf("HS256 signed with the public key: accepted as %q", sub)
	}
}

// TestJWTClaims checks the registered claims against the options, with
// leeway, and the refusals' client-safe messages.
func TestJWTClaims(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j := middleware.NewJWT(middleware.HMACSecret(testSecret),
		middleware.WithIssuer("https://issuer.test"), middleware.WithAudience("accounts", "billing"),
		middleware.WithLeeway(time.Minute), middleware.WithTimeFunc(func() time.Time { return now }))
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	base := func(extra jwt.MapClaims) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "alice", "iss": "https://issuer.test", "aud": "accounts", "iat": at(-time.Minute), "exp": at(time.Hour)}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
				continue
			}
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name string
		give jwt.MapClaims
		want string
	}{
		{"valid", base(nil), "alice"},
		{"second audience", base(jwt.MapClaims{"aud": []string{"other", "billing"}}), "alice"},
		{"expired within leeway", base(jwt.MapClaims{"exp": at(-30 * time.Second)}), "alice"},
		{"expired", base(jwt.MapClaims{"exp": at(-2 * time.Minute)}), "invalid token: expired"},
		{"no exp", base(jwt.MapClaims{"exp": nil}), "invalid token: a required claim is missing"},
		{"nbf within leeway", base(jwt.MapClaims{"nbf": at(30 * time.Second)}), "alice"},
		{"nbf ahead", base(jwt.MapClaims{"nbf": at(2 * time.Minute)}), "invalid token: not valid yet"},
		{"issued in the future", base(jwt.MapClaims{"iat": at(time.Hour)}), "invalid token: not valid yet"},
		{"wrong audience", base(jwt.MapClaims{"aud": "billing-eu"}), "invalid token: audience not accepted"},
		{"no audience", base(jwt.MapClaims{"aud": nil}), "invalid token: a required claim is missing"},
		{"wrong issuer", base(jwt.MapClaims{"iss": "https://evil.test"}), "invalid token: issuer not accepted"},
		{"no subject", base(jwt.MapClaims{"sub": nil}), "invalid token: no subject"},
		{"client_id as subject", base(jwt.MapClaims{"sub": nil, "client_id": "svc"}), "svc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authenticate(j, sign(t, jwt.SigningMethodHS256, testSecret, "", tt.give))
			if err != nil {
				e := app.ErrorFrom(err)
				if e.Code != app.CodeUnauthenticated {
					t.Errorf("code %s; want unauthenticated", e.Code)
				}
				got = e.Message
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestJWTMalformed checks tokens that are not signed JWTs: alg none, a
// tampered payload, a truncated token, garbage.
func TestJWTMalformed(t *testing.T) {
	j := middleware.NewJWT(middleware.HMACSecret(testSecret))
	good := sign(t, jwt.SigningMethodHS256, testSecret, "", claims("alice", nil))
	parts := strings.Split(good, ".")
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	none := enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "."
	noneSigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims("alice", nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tampered := parts[0] + "." + enc(claims("root", nil)) + "." + parts[2]
	tests := []struct {
		name string
		give string
	}{
		{"alg none", none},
		{"alg none, library-signed", noneSigned},
		{"tampered payload", tampered},
		{"bad signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("nope"))},
		{"truncated", parts[0] + "." + parts[1]},
		{"garbage", "not-a-jwt"},
		{"opaque token", "0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := authenticate(j, tt.give)
			if app.CodeOf(err) != app.CodeUnauthenticated {
				t.Errorf("got subject %q, error %v; want unauthenticated", sub, err)
			}
		})
	}
	if sub, err := authenticate(j, ""); sub != "" || err != nil {
		t.Errorf("no token: %q, %v; want no identity and no error", sub, err)
	}
}

// TestJWTScopesAndRoles checks the scope claim in its forms and the claims
// the identity carries.
func TestJWTScopesAndRoles(t *testing.T) {
	tests := []struct {
		name       string
		opts       []middleware.JWTOption
		give       jwt.MapClaims
		wantScopes []string
		wantRoles  []string
	}{
		{"scope string", nil, jwt.MapClaims{"scope": "a b  c"}, []string{"a", "b", "c"}, nil},
		{"scp array", nil, jwt.MapClaims{"scp": []string{"a", "b"}}, []string{"a", "b"}, nil},
		{"scope wins over scp", nil, jwt.MapClaims{"scope": "a", "scp": []string{"b"}}, []string{"a"}, nil},
		{"roles", nil, jwt.MapClaims{"roles": []string{"admin", "ops"}}, nil, []string{"admin", "ops"}},
		{"custom claims", []middleware.JWTOption{middleware.WithScopeClaim("permissions"), middleware.WithRolesClaim("groups")},
			jwt.MapClaims{"permissions": []string{"p"}, "groups": "g1 g2", "scope": "ignored"}, []string{"p"}, []string{"g1", "g2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := middleware.NewJWT(middleware.HMACSecret(testSecret), tt.opts...)
			id, err := j.Authenticate(context.Background(), &app.Call{Metadata: bearer(sign(t, jwt.SigningMethodHS256, testSecret, "", claims("alice", tt.give)))})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(id.Scopes, tt.wantScopes); diff != "" {
				t.Errorf("scopes (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(id.Roles, tt.wantRoles); diff != "" {
				t.Errorf("roles (-got +want):\n%s", diff)
			}
			if id.Claims["sub"] != "alice" || id.Scheme != middleware.SchemeBearer {
				t.Errorf("identity %+v", id)
			}
		})
	}
}
