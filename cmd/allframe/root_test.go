package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "--version")
	if code != 0 || stdout != "allframe version (devel)\n" {
		t.Errorf("got %q, exit %d", stdout, code)
	}
}

// TestHelpEverywhere asks every command for --help.
func TestHelpEverywhere(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		args := append(strings.Fields(c.CommandPath())[1:], "--help")
		stdout, stderr, code := runCLI(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Errorf("allframe %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, stdout, stderr)
		}
		n++
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	if n < 5 {
		t.Errorf("walked %d commands, want at least 5", n)
	}
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{"bash", "__start_allframe"},
		{"zsh", "#compdef allframe"},
		{"fish", "complete -c allframe"},
		{"powershell", "Register-ArgumentCompleter"},
	}
	for _, tt := range tests {
		stdout, _, code := runCLI(t, "completion", tt.give)
		if code != 0 || !strings.Contains(stdout, tt.want) {
			t.Errorf("completion %s: exit %d, output lacks %q", tt.give, code, tt.want)
		}
	}
	// Flag values complete too.
	stdout, _, _ := runCLI(t, "__complete", "schema", "diff", "--format", "")
	if !strings.Contains(stdout, "text\njson\n") {
		t.Errorf("--format completions = %q", stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, code := runCLI(t, "frobnicate")
	if code != exitError || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
