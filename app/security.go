package app

import (
	"fmt"
	"slices"
)

// SecurityScheme describes one way callers authenticate (a bearer JWT, an
// API key header), in the terms of OpenAPI's security scheme object, so
// that schema emitters can document it. Auth middleware declares its
// schemes on the App with DeclareSecurity.
type SecurityScheme struct {
	// Name keys the scheme in requirements and in the OpenAPI document's
	// components.securitySchemes, e.g. "bearerAuth".
	Name string
	// Type is the OpenAPI scheme type: "http" or "apiKey".
	Type string
	// Scheme is the HTTP authentication scheme of an "http" type, e.g.
	// "bearer"; BearerFormat hints at the token's format, e.g. "JWT".
	Scheme, BearerFormat string
	// In and Param locate an "apiKey" credential: In is "header", Param the
	// header's name, e.g. "X-API-Key".
	In, Param string
	// Description says how to obtain and send the credentials.
	Description string
}

// SecurityRequirement is one way a caller may satisfy an operation's
// security: authenticate with the scheme named Scheme ("" for any scheme
// the App declares) and hold every scope in Scopes and every role in
// Roles.
type SecurityRequirement struct {
	Scheme string
	Scopes []string
	Roles  []string
}

// DeclareSecurity records the App's security schemes and the default
// requirements of operations that declare none (Operation.Security nil).
// Auth middleware calls it when installed; schema emitters read the
// result through SecuritySchemes and Operation.SecurityRequirements. A
// later call replaces an earlier one. Default: no schemes, no requirement.
func (a *App) DeclareSecurity(def []SecurityRequirement, schemes ...SecurityScheme) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.securityDefault = def
	a.securitySchemes = slices.Clone(schemes)
}

// SecuritySchemes returns the schemes declared with DeclareSecurity, in
// declaration order.
func (a *App) SecuritySchemes() []SecurityScheme {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.securitySchemes)
}

// SecurityRequirements returns who may call op, any one requirement
// sufficing: op.Security, or the App's default when op declares none,
// with each requirement that names no scheme repeated for every declared
// scheme. It returns a non-nil empty slice for a public operation and nil
// when the App declares no schemes or op is an admin operation without
// its own Security (admin operations are guarded by the admin gate).
func (op *Operation) SecurityRequirements() []SecurityRequirement {
	a := op.app
	a.mu.Lock()
	schemes, def := a.securitySchemes, a.securityDefault
	a.mu.Unlock()
	reqs := op.Security
	if reqs == nil {
		if op.Admin {
			return nil
		}
		reqs = def
	}
	if len(schemes) == 0 || reqs == nil {
		return nil
	}
	out := make([]SecurityRequirement, 0, len(reqs))
	for _, r := range reqs {
		if r.Scheme != "" {
			out = append(out, r)
			continue
		}
		for _, s := range schemes {
			r.Scheme = s.Name
			out = append(out, r)
		}
	}
	return out
}

// checkSecurity refuses to start an App whose operations declare
// requirements that nothing enforces: no auth middleware declared its
// schemes, or a requirement names a scheme none declared.
func (a *App) checkSecurity() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	declared := map[string]bool{}
	for _, s := range a.securitySchemes {
		declared[s.Name] = true
	}
	for _, op := range a.ops {
		for _, r := range op.Security {
			switch {
			case len(a.securitySchemes) == 0:
				return fmt.Errorf("operation %q requires authentication, but the App has no auth installed (see middleware.Auth)", op.Name)
			case r.Scheme != "" && !declared[r.Scheme]:
				return fmt.Errorf("operation %q requires security scheme %q, which no installed authenticator provides", op.Name, r.Scheme)
			}
		}
	}
	return nil
}
