package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
)

// AdminTokenEnv names the environment variable holding the bearer token
// that the default admin authorizer accepts.
const AdminTokenEnv = "ALLFRAME_ADMIN_TOKEN"

// AdminTag is the tag every admin operation carries, so schemas and docs
// show admin operations apart (an OpenAPI tag of its own).
const AdminTag = "admin"

// AdminAuthorizer decides whether a call may run an admin operation. It
// returns nil to allow the call. An *Error it returns reaches the client
// as is; any other error is refused with permission_denied (the error
// stays the hidden cause). It runs before the input is looked at and
// before any middleware, with the transport's context and call (Metadata,
// Peer, Protocol and HTTPRequest are set; Input is not yet checked).
type AdminAuthorizer func(ctx context.Context, call *Call) error

// Admin marks an operation as an admin (operator) operation: it is tagged
// AdminTag and, over the network, runs only for calls the App's admin
// authorizer allows (see AdminAuth); others are refused with
// permission_denied on every protocol. In-process calls (Invoke,
// InvokeJSON) are always allowed. Default: not admin.
func Admin() OpOption {
	return func(op *Operation) {
		op.Admin = true
		for _, t := range op.Tags {
			if t == AdminTag {
				return
			}
		}
		op.Tags = append(op.Tags, AdminTag)
	}
}

// AdminAuth sets the authorizer of admin operations called over the
// network; nil refuses every such call. Default: AdminToken with the value
// of ALLFRAME_ADMIN_TOKEN, so that with the variable unset admin
// operations are refused on every protocol.
func AdminAuth(f AdminAuthorizer) Option {
	return func(a *App) {
		a.adminSet = f != nil
		if f == nil {
			f = refuseAdmin
		}
		a.adminAuth = f
	}
}

// AdminToken sets the admin authorizer to BearerToken(token), overriding
// ALLFRAME_ADMIN_TOKEN; an empty token refuses every admin call over the
// network. Default: the value of ALLFRAME_ADMIN_TOKEN.
func AdminToken(token string) Option {
	return func(a *App) { a.adminAuth, a.adminSet = BearerToken(token), token != "" }
}

// AdminConfigured reports whether an admin authorizer was configured: a
// non-empty ALLFRAME_ADMIN_TOKEN, AdminToken with a non-empty token, or
// AdminAuth with a non-nil function. Tools that serve operator data (the
// developer console) require the authorizer when it is.
func (a *App) AdminConfigured() bool { return a.adminSet }

// AuthorizeAdmin runs the App's admin authorizer for call, whose Operation
// must be set (tools outside the registry pass an Operation of their own,
// named for the log and the refusal): nil when the call may proceed, else
// an *Error (permission_denied, or what the authorizer returned).
// In-process calls are allowed.
func (a *App) AuthorizeAdmin(ctx context.Context, call *Call) error {
	if e := a.authorizeAdmin(ctx, call); e != nil {
		return e
	}
	return nil
}

// BearerToken returns an AdminAuthorizer that allows a call whose metadata
// carries "Authorization: Bearer <token>" (the scheme is case-insensitive;
// the token is compared in constant time). An empty token allows nothing.
func BearerToken(token string) AdminAuthorizer {
	if token == "" {
		return refuseAdmin
	}
	want := sha256.Sum256([]byte(token))
	return func(_ context.Context, call *Call) error {
		// Hashing both sides first makes the comparison constant-time in
		// the length of the presented token too.
		got := sha256.Sum256([]byte(bearer(call.Metadata.Get("Authorization"))))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			return nil
		}
		return adminRefused(call.Operation)
	}
}

// bearer returns the credentials of an "Authorization: Bearer …" value, or
// "" for any other scheme.
func bearer(h string) string {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}

func refuseAdmin(_ context.Context, call *Call) error { return adminRefused(call.Operation) }

// adminRefused is the one refusal of the default authorizer, the same
// whether no token is configured, none was sent or a wrong one was, so a
// client learns nothing about the server's configuration from it.
func adminRefused(op *Operation) *Error {
	return NewError(CodePermissionDenied, "admin operation "+op.Name+
		" refused: set "+AdminTokenEnv+" on the server and send Authorization: Bearer <token>")
}

// authorizeAdmin is the admin gate Operation.Handle runs for admin
// operations before anything else sees the call.
func (a *App) authorizeAdmin(ctx context.Context, call *Call) *Error {
	if call.Protocol == ProtocolInProcess {
		return nil
	}
	auth := a.adminAuth
	if auth == nil {
		auth = refuseAdmin
	}
	err := auth(ctx, call)
	if err == nil {
		return nil
	}
	a.logger.InfoContext(ctx, "admin operation refused", "operation", call.Operation.Name,
		"protocol", call.Protocol.String(), "peer", call.Peer)
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ErrorFrom(err)
	}
	return WrapError(CodePermissionDenied, "admin operation "+call.Operation.Name+" refused", err)
}
