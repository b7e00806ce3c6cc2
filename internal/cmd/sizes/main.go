// Command sizes prints what a Go binary is made of: its ELF sections and
// a table of its symbol bytes per dependency (module, AllFrame package or
// standard library tree), largest first.
//
//	go build -o /tmp/hello ./examples/hellorest
//	go run ./internal/cmd/sizes /tmp/hello        # the 40 largest rows
//	go run ./internal/cmd/sizes -n 0 /tmp/hello   # every row
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/allframe-go/allframe/internal/footprint"
)

func main() {
	n := flag.Int("n", 40, "rows to print (0: all)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: sizes [-n rows] binary...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		r, err := footprint.Analyze(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("## %s\n\n%s\n", path, r.Table(*n))
	}
}
