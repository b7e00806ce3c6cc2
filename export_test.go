package allframe

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type pingIn struct {
	Name string `json:"name"`
}

type pingOut struct {
	Reply string `json:"reply"`
}

// TestRunExportsSchemas checks Run's export hook: with a directory it
// writes the three schemas and returns without listening.
func TestRunExportsSchemas(t *testing.T) {
	a := app.New(app.Name("ping"))
	app.Query(a, "ping", func(_ context.Context, in pingIn) (pingOut, error) { return pingOut{Reply: in.Name}, nil })
	dir := t.TempDir()
	t.Setenv("ALLFRAME_HTTP_ADDR", "256.0.0.1:1") // listening would fail
	ts := []app.Transport{httpserver.New(), rest.New(), graphql.New(), grpc.New()}
	if err := runOrExport(a, dir, ts); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"openapi.json", "schema.graphql", "service.proto"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}
