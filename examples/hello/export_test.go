package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"
)

// TestSchemaExportHook runs the service as CI would with
// ALLFRAME_SCHEMA_EXPORT set: it writes the three schemas, asks fx to shut
// down and never listens (the addresses are taken, so listening would fail).
func TestSchemaExportHook(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "schemas")
	t.Setenv("ALLFRAME_SCHEMA_EXPORT", dir)
	t.Setenv("ALLFRAME_HTTP_ADDR", "256.0.0.1:1") // unusable: the hook must not listen
	t.Setenv("ALLFRAME_GRPC_ADDR", "256.0.0.1:1")
	fxa := fx.New(options())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fxa.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-fxa.Wait():
		if sig.ExitCode != 0 {
			t.Errorf("exit code %d, want 0", sig.ExitCode)
		}
	case <-ctx.Done():
		t.Fatal("the export hook did not ask fx to shut down")
	}
	if err := fxa.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"openapi.json", "schema.graphql", "service.proto"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(got), string(want)); diff != "" {
			t.Errorf("exported %s differs from testdata (-got +want):\n%s", name, diff)
		}
	}
}
