package gqlgenbench

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/graph"
)

func TestBenchSchemaMatchesGqlgenSchema(t *testing.T) {
	s, err := graph.New(NewApp())
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), s.SDL()+"\n"); diff != "" {
		t.Errorf("the gqlgen baseline's schema differs from the framework's; copy the SDL to schema.graphqls and regenerate (-file +framework):\n%s", diff)
	}
}
