// Command allframe is AllFrame's command line: it compares exported
// schemas for breaking changes, exports a service's schemas, scaffolds new
// services, and checks their layout's import direction (also as
// go vet -vettool=$(which allframe)).
//
//	go install github.com/allframe-go/allframe/cmd/allframe@latest
//	allframe schema diff old/ new/
//	allframe schema export --from http://localhost:8080 --out schemas/
//	allframe new demo --template cqrs
//	allframe lint ./...
//
// Exit status: 0 on success, 1 when schema diff finds a breaking change or
// lint a wrong import, 2 on any error (bad usage, a schema that does not parse, a directory in
// the way).
package main

import (
	"os"
)

func main() {
	if isVetTool(os.Args[1:]) {
		vetTool() // go vet -vettool=$(which allframe)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
