package middleware

import (
	"context"
	"slices"
)

// Identity is an authenticated caller, as an Authenticator established it
// from the call's credentials.
type Identity struct {
	// Subject names the caller: a token's "sub" claim, an API key's owner.
	Subject string
	// Scheme is the name of the security scheme that authenticated the
	// caller (SchemeBearer, SchemeAPIKey or a custom Authenticator's).
	Scheme string
	// Scopes and Roles are what the caller was granted; operations
	// require them with RequireScopes and RequireRoles.
	Scopes []string
	Roles  []string
	// Claims are the token's claims (nil for API keys). Read-only.
	Claims map[string]any
}

// HasScope reports whether the identity holds scope.
func (id *Identity) HasScope(scope string) bool { return slices.Contains(id.Scopes, scope) }

// HasRole reports whether the identity holds role.
func (id *Identity) HasRole(role string) bool { return slices.Contains(id.Roles, role) }

type identityKey struct{}

// WithIdentity returns a context carrying id. Auth sets it for handlers;
// tests and in-process callers may set it themselves.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the caller's identity, or nil for an anonymous call
// (a public operation called without credentials, or an in-process call).
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}
