package layers_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/allframe-go/allframe/cmd/allframe/internal/layers"
)

// TestAnalyzer checks each rule on a project in the clean layout: the
// want comments are the diagnostics expected; adapters and main import
// freely.
func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), layers.Analyzer,
		"example.com/svc", "example.com/svc/internal/domain", "example.com/svc/internal/application", "example.com/svc/internal/adapters/api", "example.com/svc/internal/application/usecase")
}
