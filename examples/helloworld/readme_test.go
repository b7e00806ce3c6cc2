package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEHelloWorld keeps the README's hello world identical to this
// compiled program, so the README's code always builds.
func TestREADMEHelloWorld(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Error("README.md's hello world differs from examples/helloworld/main.go; copy main.go into the README")
	}
	if n := strings.Count(string(src), "\n"); n >= 25 {
		t.Errorf("hello world has %d lines; the README promises under 25", n)
	}
}
