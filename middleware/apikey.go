package middleware

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/textproto"
	"slices"

	"github.com/allframe-go/allframe/app"
)

// DefaultAPIKeyHeader is the header (gRPC metadata key) APIKeys reads.
const DefaultAPIKeyHeader = "X-API-Key" //nolint:gosec // G101: a header name, not a credential

type apiKeyOptions struct{ header string }

// APIKeyOption configures NewAPIKeys.
type APIKeyOption func(*apiKeyOptions)

// WithAPIKeyHeader names the header carrying the key. Default: X-API-Key.
func WithAPIKeyHeader(name string) APIKeyOption {
	return func(o *apiKeyOptions) { o.header = textproto.CanonicalMIMEHeaderKey(name) }
}

// APIKeys authenticates static API keys sent in a header (X-API-Key by
// default; on gRPC the x-api-key metadata, on GraphQL over WebSocket the
// X-API-Key key of the connection_init payload). Each key maps to an
// identity. Only SHA-256 digests of the keys are kept, and a presented key
// is compared with every one of them in constant time.
type APIKeys struct {
	header string
	keys   []apiKey
}

type apiKey struct {
	sum [sha256.Size]byte
	id  Identity
}

var _ Authenticator = (*APIKeys)(nil)

// NewAPIKeys returns an authenticator of the keys given, each mapped to the
// identity it authenticates (whose Subject must be set). An empty key or
// subject is an error.
func NewAPIKeys(keys map[string]Identity, opts ...APIKeyOption) (*APIKeys, error) {
	o := apiKeyOptions{header: DefaultAPIKeyHeader}
	for _, opt := range opts {
		opt(&o)
	}
	k := &APIKeys{header: o.header, keys: make([]apiKey, 0, len(keys))}
	for key, id := range keys {
		if key == "" {
			return nil, errors.New("middleware: an empty API key")
		}
		if id.Subject == "" {
			return nil, errors.New("middleware: an API key without a subject")
		}
		id.Scheme = SchemeAPIKey
		id.Scopes, id.Roles = slices.Clone(id.Scopes), slices.Clone(id.Roles)
		k.keys = append(k.keys, apiKey{sum: sha256.Sum256([]byte(key)), id: id})
	}
	return k, nil
}

// Scheme returns the apiKey scheme: a key in the configured header.
func (k *APIKeys) Scheme() app.SecurityScheme {
	return app.SecurityScheme{
		Name: SchemeAPIKey, Type: "apiKey", In: "header", Param: k.header,
		Description: "An API key in the " + k.header + " header (gRPC metadata, GraphQL WebSocket connection_init payload).",
	}
}

// Authenticate looks up the key call carries, if any.
func (k *APIKeys) Authenticate(_ context.Context, call *app.Call) (*Identity, error) {
	v := call.Metadata.Get(k.header)
	if v == "" {
		return nil, nil
	}
	// Hashing first makes the comparison independent of the presented
	// key's length; every stored key is compared, match or not.
	sum := sha256.Sum256([]byte(v))
	match := -1
	for i := range k.keys {
		if subtle.ConstantTimeCompare(sum[:], k.keys[i].sum[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return nil, app.NewError(app.CodeUnauthenticated, "invalid API key")
	}
	id := k.keys[match].id
	id.Scopes, id.Roles = slices.Clone(id.Scopes), slices.Clone(id.Roles)
	return &id, nil
}
