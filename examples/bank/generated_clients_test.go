package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// The clients test generates a client from each schema the bank exports
// (testdata/openapi.json, schema.graphql, service.proto) with the generator
// people use for it, compiles it and makes one real call with it — open an
// account, deposit 1250 — against the bank served in-process. The client
// programs live in testdata/clients; the npm packages are pinned in
// testdata/clients/ts/package.json and installed into a temp directory.

// commandTimeout bounds each generator, compiler, install and client run.
const commandTimeout = 5 * time.Minute

// clientDeposit is what every client program deposits.
const clientDeposit = 1250

// clientAccount is what every client program prints.
type clientAccount struct {
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
}

func TestClients(t *testing.T) {
	s := start(t, sqliteURL(t))

	t.Run("go-grpc", func(t *testing.T) {
		out := runTool(t, goClient(t), "go", "run", ".", s.conn.Target())
		checkClientCall(t, s, out, "go-grpc")
		// Every variant of the typed feed round-trips through the
		// protoc-generated oneof.
		var feed struct{ Events []string }
		if err := json.Unmarshal(out, &feed); err != nil {
			t.Fatal(err)
		}
		want := []string{"accountOpened:go-grpc", "deposited:1500", "withdrawn:250", "accountClosed"}
		if !slices.Equal(feed.Events, want) {
			t.Errorf("feed through the generated client = %v, want %v", feed.Events, want)
		}
	})

	t.Run("typescript", func(t *testing.T) {
		dir := npmInstall(t)
		t.Run("openapi", func(t *testing.T) {
			runTool(t, dir, filepath.Join("node_modules", ".bin", "openapi-typescript"), "openapi.json", "-o", "openapi-types.ts")
			tsc(t, dir, "openapi")
			out := runTool(t, dir, "node", filepath.Join("out", "openapi.js"), s.http)
			checkClientCall(t, s, out, "ts-openapi")
		})
		t.Run("graphql", func(t *testing.T) {
			runTool(t, dir, filepath.Join("node_modules", ".bin", "graphql-codegen"), "--config", "codegen.yml")
			tsc(t, dir, "graphql")
			out := runTool(t, dir, "node", filepath.Join("out", "graphql.js"), s.http+"/graphql")
			checkClientCall(t, s, out, "ts-graphql")
		})
	})
}

// checkClientCall checks what a client program printed, then that the
// service agrees: the account exists with the deposited balance.
func checkClientCall(t *testing.T, s *server, out []byte, owner string) {
	t.Helper()
	var got clientAccount
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.ID == "" || got.Owner != owner || got.Balance != clientDeposit {
		t.Fatalf("client printed %+v, want owner %q and balance %d", got, owner, clientDeposit)
	}
	status, _, body := s.rest(t, "GET", "/accounts/"+got.ID, "")
	r := restReply(t, status, body)
	if r.code != 0 || r.account.Owner != owner || r.account.Balance != clientDeposit {
		t.Errorf("GET /accounts/%s after the client's calls: %s", got.ID, r.raw)
	}
}

// goClient generates the Go client of testdata/service.proto with protoc,
// protoc-gen-go and protoc-gen-go-grpc into the package bankpb of a
// temporary module holding testdata/clients/grpc/main.go, and returns the
// module's directory. The module requires the grpc and protobuf versions
// the framework's go.mod selects.
func goClient(t *testing.T) string {
	t.Helper()
	protoc := lookTool(t, "protoc", "apt-get install protobuf-compiler")
	grpcPlugin := lookTool(t, "protoc-gen-go-grpc", "go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2")
	bin := t.TempDir()
	// protoc-gen-go is built from the protobuf module go.mod pins.
	runTool(t, ".", "go", "build", "-o", bin, "google.golang.org/protobuf/cmd/protoc-gen-go")

	dir := t.TempDir()
	copyFiles(t, filepath.Join("testdata", "clients", "grpc"), dir, "main.go")
	if err := os.Mkdir(filepath.Join(dir, "bankpb"), 0o755); err != nil {
		t.Fatal(err)
	}
	const m = "Mservice.proto=bankclient/bankpb"
	runTool(t, ".", protoc, "-I", "testdata",
		"--plugin=protoc-gen-go="+filepath.Join(bin, "protoc-gen-go"), "--plugin=protoc-gen-go-grpc="+grpcPlugin,
		"--go_out="+filepath.Join(dir, "bankpb"), "--go_opt=paths=source_relative", "--go_opt="+m,
		"--go-grpc_out="+filepath.Join(dir, "bankpb"), "--go-grpc_opt=paths=source_relative", "--go-grpc_opt="+m,
		"service.proto")

	versions := strings.Fields(string(runTool(t, ".", "go", "list", "-m", "-f", "{{.Path}} {{.Version}}",
		"google.golang.org/grpc", "google.golang.org/protobuf")))
	mod := "module bankclient\n\ngo 1.26\n\nrequire (\n"
	for i := 0; i+1 < len(versions); i += 2 {
		mod += "\t" + versions[i] + " " + versions[i+1] + "\n"
	}
	mod += ")\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil { //nolint:gosec // G703: a file in the test's temp dir
		t.Fatal(err)
	}
	runTool(t, dir, "go", "mod", "tidy")
	runTool(t, dir, "go", "vet", "./...")
	return dir
}

// npmInstall copies testdata/clients/ts and the bank's schemas into a
// temporary directory and installs the pinned npm packages there.
func npmInstall(t *testing.T) string {
	t.Helper()
	lookTool(t, "node", "install Node.js")
	npm := lookTool(t, "npm", "install Node.js with npm")
	dir := t.TempDir()
	copyFiles(t, filepath.Join("testdata", "clients", "ts"), dir,
		"package.json", "tsconfig.json", "tsconfig.openapi.json", "tsconfig.graphql.json", "codegen.yml", "openapi.ts", "graphql.ts")
	copyFiles(t, "testdata", dir, "openapi.json", "schema.graphql")
	runTool(t, dir, npm, "install", "--no-audit", "--no-fund", "--silent")
	return dir
}

// tsc type-checks and compiles one client program (client is openapi or
// graphql) into out/ with tsconfig.client.json.
func tsc(t *testing.T, dir, client string) {
	t.Helper()
	runTool(t, dir, filepath.Join("node_modules", ".bin", "tsc"), "-p", "tsconfig."+client+".json")
}

// lookTool returns the path of a tool on PATH, or reports it missing with
// how to get it (a skip on a bare machine, a failure in CI).
func lookTool(t *testing.T, name, how string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Missing(t, name+" is not on PATH ("+how+"); CI installs it")
	}
	return p
}

// copyFiles copies the named files from one directory to another.
func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil { //nolint:gosec // G703: names are the test's constants
			t.Fatal(err)
		}
	}
}

// run runs a command in dir and returns its standard output, failing the
// test with its output if it fails.
func runTool(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...) //nolint:gosec // G204: tools from PATH or node_modules, arguments built by the test
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}
