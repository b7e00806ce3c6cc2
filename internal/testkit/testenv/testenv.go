// Package testenv lets tests that need an external tool (protoc, node,
// npm) skip without it on a developer's machine but fail in CI, where
// .ci/run installs every tool and sets ALLFRAME_REQUIRE_TOOLS=1 — so a
// missing tool can never turn a CI run into tests that silently checked
// nothing.
package testenv

import (
	"os"
	"testing"
)

// RequireTools is the environment variable .ci/run sets.
const RequireTools = "ALLFRAME_REQUIRE_TOOLS"

// Missing reports that the environment lacks what the test needs (why
// names it and how to get it): a skip, or a failure under RequireTools=1.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireTools) == "1" {
		t.Fatalf("%s (%s=1: CI must provide it)", why, RequireTools)
	}
	t.Skip(why)
}
