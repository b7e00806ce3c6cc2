package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func edJWK(kid string, k ed25519.PublicKey) map[string]string {
	return map[string]string{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64(k)}
}

func ecJWK(kid string, k *ecdsa.PublicKey) map[string]string {
	b, err := k.Bytes() // 0x04 || x || y
	if err != nil {
		panic(err)
	}
	n := (len(b) - 1) / 2
	return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(b[1 : 1+n]), "y": b64(b[1+n:])}
}

// jwksServer serves a key set that the test replaces, counting fetches;
// with fail set it answers 503.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	fail    bool
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys ...map[string]string) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(fail bool, keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.keys = fail, keys
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestJWKS checks fetching, caching, rotation with rate-limited refetches,
// expiry and outages, counting the fetches each step makes.
func TestJWKS(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last, after the servers close
	k1, k2 := newTestKeys(t), newTestKeys(t)
	srv := newJWKSServer(t, rsaJWK("r1", &k1.rsa.PublicKey), edJWK("e1", k1.ed.Public().(ed25519.PublicKey)), ecJWK("c1", &k1.ec.PublicKey))
	defer srv.CloseClientConnections()
	clk := &clock{now: time.Now()}
	client := srv.Client()
	defer client.CloseIdleConnections()
	set, err := middleware.NewJWKS(srv.URL+"/jwks.json", middleware.WithHTTPClient(client),
		middleware.WithCacheTTL(10*time.Minute), middleware.WithMinRefetch(time.Minute), middleware.WithJWKSClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	j := middleware.NewJWT(set, middleware.WithTimeFunc(time.Now))

	steps := []struct {
		name        string
		before      func()
		give        string
		wantSubject string // "" for a refusal
		wantCode    app.Code
		wantFetches int32 // in total, after the step
	}{
		{name: "RS256, first use fetches", give: sign(t, jwt.SigningMethodRS256, k1.rsa, "r1", claims("a", nil)), wantSubject: "a", wantFetches: 1},
		{name: "EdDSA, cached", give: sign(t, jwt.SigningMethodEdDSA, k1.ed, "e1", claims("b", nil)), wantSubject: "b", wantFetches: 1},
		{name: "ES256, cached", give: sign(t, jwt.SigningMethodES256, k1.ec, "c1", claims("c", nil)), wantSubject: "c", wantFetches: 1},
		{name: "RS256 key used for HS256", give: sign(t, jwt.SigningMethodRS256, k1.rsa, "e1", claims("d", nil)), wantCode: app.CodeUnauthenticated, wantFetches: 1},
		{
			name:   "rotation within the refetch interval: unknown kid refused, no fetch",
			before: func() { srv.set(false, rsaJWK("r2", &k2.rsa.PublicKey)) },
			give:   sign(t, jwt.SigningMethodRS256, k2.rsa, "r2", claims("e", nil)), wantCode: app.CodeUnauthenticated, wantFetches: 1,
		},
		{
			name:   "rotation after the refetch interval: unknown kid refetches",
			before: func() { clk.advance(time.Minute) },
			give:   sign(t, jwt.SigningMethodRS256, k2.rsa, "r2", claims("e", nil)), wantSubject: "e", wantFetches: 2,
		},
		{name: "the rotated-out key is gone", give: sign(t, jwt.SigningMethodRS256, k1.rsa, "r1", claims("f", nil)), wantCode: app.CodeUnauthenticated, wantFetches: 2},
		{name: "a forger's kids fetch at most once a minute", give: sign(t, jwt.SigningMethodRS256, k1.rsa, "forged", claims("g", nil)), wantCode: app.CodeUnauthenticated, wantFetches: 2},
		{
			name:   "outage after expiry: the stale keys stay in use",
			before: func() { srv.set(true); clk.advance(11 * time.Minute) },
			give:   sign(t, jwt.SigningMethodRS256, k2.rsa, "r2", claims("h", nil)), wantSubject: "h", wantFetches: 3,
		},
		{name: "outage: no refetch within the interval", give: sign(t, jwt.SigningMethodRS256, k2.rsa, "r2", claims("i", nil)), wantSubject: "i", wantFetches: 3},
		{
			name:   "recovery: expired cache refetched",
			before: func() { srv.set(false, rsaJWK("r3", &k1.rsa.PublicKey)); clk.advance(time.Minute) },
			give:   sign(t, jwt.SigningMethodRS256, k1.rsa, "r3", claims("j", nil)), wantSubject: "j", wantFetches: 4,
		},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		id, err := j.Authenticate(context.Background(), &app.Call{Metadata: bearer(st.give)})
		switch {
		case st.wantSubject != "" && (err != nil || id == nil || id.Subject != st.wantSubject):
			t.Errorf("%s: %+v, %v; want subject %q", st.name, id, err, st.wantSubject)
		case st.wantSubject == "" && app.CodeOf(err) != st.wantCode:
			t.Errorf("%s: %+v, %v; want %s", st.name, id, err, st.wantCode)
		}
		if got := srv.fetches.Load(); got != st.wantFetches {
			t.Errorf("%s: %d fetches in total; want %d", st.name, got, st.wantFetches)
		}
	}
}

// TestJWKSUnavailable checks that with no keys ever fetched, tokens are
// refused with unavailable (a server problem, not the client's), and that
// concurrent first uses share one fetch.
func TestJWKSUnavailable(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last, after the servers close
	k := newTestKeys(t)
	srv := newJWKSServer(t)
	srv.set(true)
	client := srv.Client()
	defer client.CloseIdleConnections()
	set, err := middleware.NewJWKS(srv.URL, middleware.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	j := middleware.NewJWT(set)
	tok := sign(t, jwt.SigningMethodRS256, k.rsa, "r1", claims("a", nil))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := j.Authenticate(context.Background(), &app.Call{Metadata: bearer(tok)}); app.CodeOf(err) != app.CodeUnavailable {
				t.Errorf("JWKS down: %v; want unavailable", err)
			}
		})
	}
	wg.Wait()
	if got := srv.fetches.Load(); got != 1 {
		t.Errorf("%d fetches; want 1", got)
	}
}

// TestJWKSBadSets checks key sets that yield no usable key, and the URL
// check of NewJWKS.
func TestJWKSBadSets(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last, after the servers close
	k := newTestKeys(t)
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537} // 1024 bits
	tests := []struct {
		name string
		give []map[string]string
	}{
		{"empty", nil},
		{"encryption key only", []map[string]string{{"kty": "RSA", "kid": "r1", "use": "enc", "n": b64(k.rsa.N.Bytes()), "e": "AQAB"}}},
		{"RSA under 2048 bits", []map[string]string{rsaJWK("r1", small)}},
		{"symmetric key", []map[string]string{{"kty": "oct", "kid": "r1", "k": b64(testSecret)}}},
		{"bad Ed25519", []map[string]string{{"kty": "OKP", "kid": "r1", "crv": "Ed25519", "x": "AAAA"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, tt.give...)
			defer srv.Close()
			client := srv.Client()
			defer client.CloseIdleConnections()
			set, err := middleware.NewJWKS(srv.URL, middleware.WithHTTPClient(client))
			if err != nil {
				t.Fatal(err)
			}
			_, err = middleware.NewJWT(set).Authenticate(context.Background(),
				&app.Call{Metadata: bearer(sign(t, jwt.SigningMethodRS256, k.rsa, "r1", claims("a", nil)))})
			if app.CodeOf(err) != app.CodeUnavailable {
				t.Errorf("got %v; want unavailable", err)
			}
		})
	}
	for _, u := range []string{"http://issuer.example/jwks.json", "ftp://127.0.0.1/jwks", "://"} {
		if _, err := middleware.NewJWKS(u); err == nil {
			t.Errorf("NewJWKS(%q): no error; want https required", u)
		}
	}
	for _, u := range []string{"https://issuer.example/jwks.json", "http://127.0.0.1:8080/jwks", "http://localhost/jwks"} {
		if _, err := middleware.NewJWKS(u); err != nil {
			t.Errorf("NewJWKS(%q): %v", u, err)
		}
	}
}
