package swaggerui_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/transport/rest/internal/swaggerui"
)

// TestAssetsMatchManifest checks that the embedded files are exactly those
// generate.sh wrote, byte for byte: a hand edit, or a file added without
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
	err = fs.WalkDir(swaggerui.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(swaggerui.Files(), p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		got[p] = hex.EncodeToString(sum[:])
		if strings.HasSuffix(p, ".map") || strings.Contains(string(b), "sourceMappingURL=") {
			t.Errorf("%s: a source map or a reference to one", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("embedded assets differ from SHA256SUMS (-got +want):\n%s", diff)
	}
}
