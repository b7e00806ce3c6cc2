// Package scaffold renders the service templates of allframe new: a Go
// module in the clean layout (domain, application, adapters) with fx
// wiring, tests, a README, a CI script and a Dockerfile. The templates are
// embedded, so the allframe binary needs nothing beside it.
package scaffold
