package httpserver_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// TestHeaderTooLarge sends headers over the limit on a raw connection:
// the host answers 431 and keeps serving.
func TestHeaderTooLarge(t *testing.T) {
	a := app.New()
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithMaxHeaderBytes(4<<10))
	a.Mount(host, echoBody{path: "/echo"})
	addr := start(t, a, host)
	if got := host.Config().MaxHeaderBytes; got != 4<<10 {
		t.Fatalf("MaxHeaderBytes = %d", got)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// net/http allows 4 KiB of slack over MaxHeaderBytes.
	big := strings.Repeat("x", 16<<10)
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d; want 431", resp.StatusCode)
	}
	ok, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	ok.Body.Close()
	if ok.StatusCode != http.StatusOK {
		t.Errorf("after a 431: %d; want the host still serving", ok.StatusCode)
	}
}

func TestDefaultMaxHeaderBytes(t *testing.T) {
	if got := httpserver.New().Config().MaxHeaderBytes; got != 1<<20 {
		t.Errorf("default MaxHeaderBytes = %d; want 1 MiB", got)
	}
}
