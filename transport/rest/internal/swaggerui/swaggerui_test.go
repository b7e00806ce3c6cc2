package swaggerui_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/transport/rest/internal/swaggerui"
)

// TestAssetsMatchManifest checks that the embedded files, decompressed,
// are exactly those generate.sh wrote, byte for byte: a hand edit, or a file added without
// regenerating, fails here (and .ci/run re-runs generate.sh).
func TestAssetsMatchManifest(t *testing.T) {
	f, err := os.Open("SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		want[name] = sum
	}
	got := map[string]string{}
	files := swaggerui.Files()
	names, err := files.Names()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range names {
		b, err := files.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		got[p] = hex.EncodeToString(sum[:])
		if strings.HasSuffix(p, ".map") || strings.Contains(string(b), "sourceMappingURL=") {
			t.Errorf("%s: a source map or a reference to one", p)
		}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("embedded assets differ from SHA256SUMS (-got +want):\n%s", diff)
	}
}
