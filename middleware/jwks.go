package middleware

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
)

// Defaults of the JWKS options.
const (
	DefaultJWKSCacheTTL   = 15 * time.Minute
	DefaultJWKSMinRefetch = time.Minute
	DefaultJWKSTimeout    = 10 * time.Second
	maxJWKSBytes          = 1 << 20
)

type jwksOptions struct {
	client     *http.Client
	ttl        time.Duration
	minRefetch time.Duration
	now        func() time.Time
}

// JWKSOption configures NewJWKS.
type JWKSOption func(*jwksOptions)

// WithHTTPClient sets the client that fetches the key set. Default: a
// client with a 10s timeout.
func WithHTTPClient(c *http.Client) JWKSOption { return func(o *jwksOptions) { o.client = c } }

// WithCacheTTL sets how long a fetched key set is used before it is
// fetched again. Default: 15m.
func WithCacheTTL(d time.Duration) JWKSOption { return func(o *jwksOptions) { o.ttl = d } }

// WithMinRefetch sets the shortest interval between two fetches, which
// bounds the fetches that tokens naming unknown key ids (a rotation, or a
// forger) and a failing endpoint can cause. Default: 1m.
func WithMinRefetch(d time.Duration) JWKSOption { return func(o *jwksOptions) { o.minRefetch = d } }

// WithJWKSClock sets the clock of the cache. Default: time.Now.
func WithJWKSClock(now func() time.Time) JWKSOption { return func(o *jwksOptions) { o.now = now } }

// JWKS is a KeySet fetched from a JSON Web Key Set URL (an issuer's
// jwks_uri) and cached. It fetches on first use, again once the cache
// expires, and early when a token names a key id it does not hold (the
// issuer rotated its keys) — never more often than the minimum refetch
// interval. While the endpoint fails, the keys fetched last stay in use;
// with none, tokens are refused with unavailable. Fetches run on the
// calling request, one at a time; no goroutine is left behind. It reads
// RSA, EC (P-256, P-384, P-521) and OKP (Ed25519) signing keys and skips
// others.
type JWKS struct {
	url  string
	opts jwksOptions
	sem  chan struct{} // one fetch at a time

	mu        sync.Mutex
	keys      map[string]jwk
	expires   time.Time // of keys
	attempted time.Time // last fetch, successful or not
}

type jwk struct {
	key any
	alg string
}

var _ KeySet = (*JWKS)(nil)

// NewJWKS returns a KeySet fetched from rawURL, which must be https (http
// only for a loopback host, as in tests).
func NewJWKS(rawURL string, opts ...JWKSOption) (*JWKS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("middleware: JWKS URL: %w", err)
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("middleware: JWKS URL %q must be https", rawURL)
	}
	o := jwksOptions{ttl: DefaultJWKSCacheTTL, minRefetch: DefaultJWKSMinRefetch, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.client == nil {
		o.client = &http.Client{Timeout: DefaultJWKSTimeout}
	}
	return &JWKS{url: rawURL, opts: o, sem: make(chan struct{}, 1)}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Key returns the key with id kid for alg, fetching the set when the cache
// is empty or expired, or when kid is unknown and the last fetch is older
// than the minimum refetch interval.
func (j *JWKS) Key(ctx context.Context, kid, alg string) (any, error) {
	k, found, fresh, mayFetch := j.lookup(kid)
	if !found || !fresh {
		if mayFetch {
			if err := j.fetch(ctx); err != nil {
				j.mu.Lock()
				stale := j.keys != nil
				j.mu.Unlock()
				if !stale {
					return nil, app.WrapError(app.CodeUnavailable, "signing keys unavailable", err)
				}
			}
		}
		k, found, _, _ = j.lookup(kid)
	}
	if !found {
		if j.keysFetched() == 0 {
			return nil, app.NewError(app.CodeUnavailable, "signing keys unavailable")
		}
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	if k.alg != "" && k.alg != alg {
		return nil, fmt.Errorf("key %q is for %s, not %s", kid, k.alg, alg)
	}
	return k.key, nil
}

func (j *JWKS) keysFetched() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.keys)
}

// lookup finds kid (a token naming none gets the only key, if there is
// one) and says whether the cache is fresh and whether a fetch is allowed
// now.
func (j *JWKS) lookup(kid string) (k jwk, found, fresh, mayFetch bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.opts.now()
	k, found = j.keys[kid]
	if !found && kid == "" && len(j.keys) == 1 {
		for _, only := range j.keys {
			k, found = only, true
		}
	}
	fresh = j.keys != nil && now.Before(j.expires)
	mayFetch = j.attempted.IsZero() || now.Sub(j.attempted) >= j.opts.minRefetch
	return k, found, fresh, mayFetch
}

// fetch fetches the key set, unless another caller fetched it while this
// one waited its turn.
func (j *JWKS) fetch(ctx context.Context) error {
	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-j.sem }()
	j.mu.Lock()
	now := j.opts.now()
	if !j.attempted.IsZero() && now.Sub(j.attempted) < j.opts.minRefetch {
		j.mu.Unlock()
		return nil // fetched meanwhile
	}
	j.attempted = now
	j.mu.Unlock()

	keys, err := j.get(ctx)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.keys, j.expires = keys, j.opts.now().Add(j.opts.ttl)
	j.mu.Unlock()
	return nil
}

func (j *JWKS) get(ctx context.Context) (map[string]jwk, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	res, err := j.opts.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: %s answered %s", j.url, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("jwks: %s: key set larger than %d bytes", j.url, maxJWKSBytes)
	}
	return parseJWKS(body)
}

// rawJWK is the JSON form of one key (RFC 7517, 7518, 8037).
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS reads the signing keys of a key set, skipping keys of other
// uses or types; a set with none is an error.
func parseJWKS(body []byte) (map[string]jwk, error) {
	var set struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	keys := make(map[string]jwk, len(set.Keys))
	var errs []error
	for _, r := range set.Keys {
		if r.Use != "" && r.Use != "sig" {
			continue
		}
		k, err := r.publicKey()
		if err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", r.Kid, err))
			continue
		}
		keys[r.Kid] = jwk{key: k, alg: r.Alg}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("jwks: no usable signing key: %w", errors.Join(errs...))
	}
	return keys, nil
}

func (r rawJWK) publicKey() (any, error) {
	b64 := func(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
	switch r.Kty {
	case "RSA":
		n, err := b64(r.N)
		if err != nil {
			return nil, fmt.Errorf("n: %w", err)
		}
		e, err := b64(r.E)
		if err != nil {
			return nil, fmt.Errorf("e: %w", err)
		}
		if len(n) < 2048/8 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("RSA key under 2048 bits or with a bad exponent")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		curves := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
		c, ok := curves[r.Crv]
		if !ok {
			return nil, fmt.Errorf("unsupported curve %q", r.Crv)
		}
		x, err := b64(r.X)
		if err != nil {
			return nil, fmt.Errorf("x: %w", err)
		}
		y, err := b64(r.Y)
		if err != nil {
			return nil, fmt.Errorf("y: %w", err)
		}
		size := (c.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, errors.New("EC coordinates of the wrong size")
		}
		return ecdsa.ParseUncompressedPublicKey(c, append(append([]byte{4}, x...), y...))
	case "OKP":
		if r.Crv != "Ed25519" {
			return nil, fmt.Errorf("unsupported curve %q", r.Crv)
		}
		x, err := b64(r.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad Ed25519 key")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("unsupported key type %q", r.Kty)
}
