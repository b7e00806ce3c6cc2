package rest_test

import (
	"net/http/httptest"
	"testing"

	"github.com/allframe-go/allframe/internal/testkit/testenv/browser"
	"github.com/allframe-go/allframe/transport/rest"
)

// TestDocsOffline loads /docs in headless Chromium with the network off
// (only the server's origin answers): Swagger UI, embedded in the binary,
// must list every operation of /openapi.json. It needs Chromium, node and
// npm; .ci/run provides them and sets ALLFRAME_BROWSER=1.
func TestDocsOffline(t *testing.T) {
	h, err := rest.Handler(newShop(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	browser.CheckOffline(t, "swagger", srv.URL+"/docs/")
}
