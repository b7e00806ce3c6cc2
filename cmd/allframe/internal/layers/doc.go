// Package layers is the analyzer behind allframe lint: it enforces the
// import direction of the clean layout that allframe new generates —
// adapters → application → domain — and keeps transports in the adapters.
//
// A package's layer is the first path element, after the module path,
// named domain, application or adapters (internal/domain/account is in
// the domain layer). Packages in no layer (main, the composition root)
// may import anything.
package layers
