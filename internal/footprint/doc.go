// Package footprint measures what a Go binary is made of: the bytes of
// its symbols (go tool nm -size) added up per dependency — each module of
// the build, AllFrame's own packages one by one and the standard library
// by top-level package — beside the sizes of the binary's ELF sections
// (code, read-only data, the pc-line table and DWARF are what a default
// go build writes). The footprint test builds the examples with it and
// internal/cmd/sizes prints the table for any binary.
package footprint
