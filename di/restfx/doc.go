// Package restfx provides the fx module of AllFrame's REST transport
// (transport/rest), mounted on the HTTP host that di/httpfx provides. It
// imports REST and di only: no gRPC or GraphQL code is linked through it.
package restfx
