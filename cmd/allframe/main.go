// Command allframe is AllFrame's command line: it compares exported
// schemas for breaking changes, exports a service's schemas, and scaffolds
// new services.
//
//	go install github.com/allframe-go/allframe/cmd/allframe@latest
//	allframe schema diff old/ new/
//	allframe schema export --from http://localhost:8080 --out schemas/
//	allframe new demo --template cqrs
//
// Exit status: 0 on success, 1 when schema diff finds a breaking change,
// 2 on any error (bad usage, a schema that does not parse, a directory in
// the way).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
