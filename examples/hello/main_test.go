package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/transport/rest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./examples/hello -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s changed (-got +want); run with -update if intended:\n%s", path, diff)
	}
}

func TestHelloServes(t *testing.T) {
	a := newApp()
	tr := rest.New(rest.WithAddr("127.0.0.1:0"))
	a.Mount(tr)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + tr.Addr().String()

	resp, err := http.Get(base + "/hello/Ada")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "{\"message\":\"Hello, Ada!\"}\n" {
		t.Errorf("GET /hello/Ada = %d %q", resp.StatusCode, body)
	}

	long := make([]byte, 65)
	for i := range long {
		long[i] = 'a'
	}
	resp, err = http.Get(base + "/hello/" + string(long))
	if err != nil {
		t.Fatal(err)
	}
	var p rest.Problem
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || p.Code != "invalid_argument" || len(p.Violations) != 1 || p.Violations[0].Field != "name" {
		t.Errorf("long name: %d %+v", resp.StatusCode, p)
	}

	resp, err = http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	golden(t, "openapi.json", spec)
}
