package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/saga"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// childEnv makes the test binary run the real service (runChild, from
// TestMain) instead of the tests: TestKill9 starts it, deposits over HTTP
// and kills it with SIGKILL.
const childEnv = "BANK_TEST_SERVICE_CHILD"

// hangEnv makes the child hang every transfer's credit step after its
// deposit ran (and failed or took effect), before the saga records it, and
// say so on stderr (hungLine): TestKill9Transfer kills it there.
const hangEnv = "BANK_TEST_HANG_CREDIT"

const hungLine = "credit hung: "

// runChild runs the service exactly as main does, configured by the
// ALLFRAME_* environment, until it is killed.
func runChild() {
	var extra []fx.Option
	if os.Getenv(hangEnv) != "" {
		extra = append(extra, di.Options(app.Use(func(next app.Handler) app.Handler {
			return func(ctx context.Context, call *app.Call) (any, error) {
				out, err := next(ctx, call)
				if key := call.Metadata.Get(cqrs.MetaIdempotencyKey); call.Operation.Name == "deposit" && strings.HasSuffix(key, "/credit") {
					fmt.Fprintln(os.Stderr, hungLine+key)
					select {} // until killed
				}
				return out, err
			}
		})))
	}
	fx.New(options(extra...)).Run()
	os.Exit(0)
}

// child is the service running in a child process.
type child struct {
	cmd  *exec.Cmd
	http string
	done chan struct{}
	hung chan string // the keys of the credits hung (hangEnv)
}

var servingLine = regexp.MustCompile(`serving service=bank endpoints=.*http://([^\s\]"]+)`)

// startChild starts the service on a free port over the store file at path,
// with env added to its environment, and waits until it serves.
func startChild(t *testing.T, path string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G204: re-executes this test binary as the service
	cmd.Env = append(append(os.Environ(), childEnv+"=1",
		"ALLFRAME_HTTP_ADDR=127.0.0.1:0", "ALLFRAME_GRPC_ADDR=127.0.0.1:0",
		"ALLFRAME_EVENTSTORE=sqlite:"+path, "OTEL_SDK_DISABLED=true"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{}), hung: make(chan string, 64)}
	addr := make(chan string, 1)
	var log strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			if key, ok := strings.CutPrefix(sc.Text(), hungLine); ok {
				c.hung <- key
			}
		}
		_ = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.kill(t) })
	select {
	case a := <-addr:
		c.http = "http://" + a
	case <-c.done:
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("service exited before serving:\n%s", log.String())
	case <-time.After(waitTimeout):
		t.Fatal("service did not start")
	}
	return c
}

// kill sends SIGKILL and waits for the process to go.
func (c *child) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(waitTimeout):
		t.Fatal("killed service did not exit")
	}
}

// post sends a JSON command; err is set when no response was received.
func (c *child) post(path, body string, header ...string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", c.http+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *child) get(t *testing.T, path string, header ...string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", c.http+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// deposit is one deposit a client sent, with its idempotency key.
type deposit struct {
	key    string
	amount int64
}

// TestKill9 runs the real service in a child process, deposits into one
// account from several clients, kills the service with SIGKILL mid-load,
// restarts it on the same file and checks: every acknowledged deposit is
// in the balance; unacknowledged ones are either applied or not (never
// twice), and retrying them with their Idempotency-Key applies each
// exactly once; the accounts projection resumes without double-counting.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill -9 test starts child processes")
	}
	path := filepath.Join(t.TempDir(), "bank.db")
	svc := startChild(t, path)
	code, b, err := svc.post("/accounts", `{"owner":"ada"}`)
	var acc Account
	if err != nil || code != http.StatusOK || json.Unmarshal(b, &acc) != nil {
		t.Fatalf("openAccount: %d %s %v", code, b, err)
	}

	const clients = 8
	var (
		mu      sync.Mutex
		acked   int64
		nAcked  int
		pending []deposit // sent, no response: applied or not
		wg      sync.WaitGroup
	)
	enough := make(chan struct{})
	var enoughOnce sync.Once
	for w := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				d := deposit{key: fmt.Sprintf("w%d-%d", w, i), amount: int64(1 + (w*7+i)%9)}
				code, b, err := svc.post("/accounts/"+acc.ID+"/deposit", fmt.Sprintf(`{"amount":%d}`, d.amount), "Idempotency-Key", d.key)
				mu.Lock()
				switch {
				case err != nil: // the service died under this request
					pending = append(pending, d)
					mu.Unlock()
					return
				case code != http.StatusOK:
					mu.Unlock()
					t.Errorf("deposit %s: %d %s", d.key, code, b)
					return
				}
				acked += d.amount
				nAcked++
				if nAcked >= 200 {
					enoughOnce.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(waitTimeout):
		t.Error("200 deposits took too long")
	}
	svc.kill(t) // mid-load: the clients are still sending
	wg.Wait()
	client.CloseIdleConnections()
	t.Logf("killed after %d acknowledged deposits (sum %d), %d in flight", nAcked, acked, len(pending))

	svc = startChild(t, path)
	var after Account
	if err := json.Unmarshal(svc.get(t, "/accounts/"+acc.ID), &after); err != nil {
		t.Fatal(err)
	}
	var inFlight int64
	for _, d := range pending {
		inFlight += d.amount
	}
	if after.Balance < acked || after.Balance > acked+inFlight {
		t.Fatalf("balance after kill -9 = %d, want the %d acknowledged (+ up to %d in flight)", after.Balance, acked, inFlight)
	}
	// The client retries what it did not see acknowledged.
	want := acked
	for _, d := range pending {
		code, b, err := svc.post("/accounts/"+acc.ID+"/deposit", fmt.Sprintf(`{"amount":%d}`, d.amount), "Idempotency-Key", d.key)
		if err != nil || code != http.StatusOK {
			t.Fatalf("retry of %s: %d %s %v", d.key, code, b, err)
		}
		want += d.amount
	}
	var final Account
	if err := json.Unmarshal(svc.get(t, "/accounts/"+acc.ID), &final); err != nil {
		t.Fatal(err)
	}
	if final.Balance != want {
		t.Errorf("balance after retries = %d, want %d", final.Balance, want)
	}
	var list cqrs.Page[Account]
	if err := json.Unmarshal(svc.get(t, "/accounts", "Consistency-Token", fmt.Sprint(final.Position)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Balance != final.Balance || list.Items[0].Version != final.Version {
		t.Errorf("listAccounts after kill -9 = %+v, want %+v", list.Items, final)
	}
}

// TestKill9Transfer kills the service (SIGKILL) while two transfers are
// between their steps — each debit recorded, each credit run but not
// recorded, one of them to a closed account — and restarts it without the
// hang: the saga resumes both, completes the one whose credit took effect
// (replayed from its idempotency record, not deposited twice) and
// compensates the other. Money is conserved; each debit is applied once.
func TestKill9Transfer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill -9 test starts child processes")
	}
	path := filepath.Join(t.TempDir(), "bank.db")
	svc := startChild(t, path, hangEnv+"=1")
	post := func(path, body string) []byte {
		t.Helper()
		code, b, err := svc.post(path, body)
		if err != nil || code != http.StatusOK {
			t.Fatalf("POST %s %s: %d %s %v", path, body, code, b, err)
		}
		return b
	}
	open := func(owner string) string {
		t.Helper()
		var acc Account
		if err := json.Unmarshal(post("/accounts", fmt.Sprintf(`{"owner":%q}`, owner)), &acc); err != nil {
			t.Fatal(err)
		}
		return acc.ID
	}
	ada, bob, cy := open("ada"), open("bob"), open("cy")
	post("/accounts/"+ada+"/deposit", `{"amount":100}`)
	post("/accounts/"+cy+"/close", "")
	transfer := func(to string, amount int64) string {
		t.Helper()
		var st saga.Status
		if err := json.Unmarshal(post("/transfers", fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, ada, to, amount)), &st); err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	toBob, toCy := transfer(bob, 30), transfer(cy, 20)
	for range 2 {
		select {
		case key := <-svc.hung:
			t.Logf("killing the service with %s hung", key)
		case <-time.After(waitTimeout):
			t.Fatal("the credits did not run")
		}
	}
	svc.kill(t)
	client.CloseIdleConnections()

	svc = startChild(t, path)
	statusOf := func(id string) saga.Status {
		t.Helper()
		var st saga.Status
		if err := json.Unmarshal(svc.get(t, "/transfers/"+id), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	testenv.Eventually(t, waitTimeout, func() bool {
		return statusOf(toBob).State == saga.StateCompleted && statusOf(toCy).State == saga.StateCompensated
	})
	if st := statusOf(toCy); st.Step != "credit" || st.Code != "failed_precondition" {
		t.Errorf("the transfer to the closed account: %+v, want compensated at credit with failed_precondition", st)
	}
	// Versions count the events: ada opened, deposit, two debits, one
	// refund; bob opened, one credit; cy opened, closed.
	want := map[string]Account{ada: {Balance: 70, Version: 5}, bob: {Balance: 30, Version: 2}, cy: {Balance: 0, Version: 2}}
	var total int64
	for id, w := range want {
		var got Account
		if err := json.Unmarshal(svc.get(t, "/accounts/"+id), &got); err != nil {
			t.Fatal(err)
		}
		total += got.Balance
		if got.Balance != w.Balance || got.Version != w.Version {
			t.Errorf("account %s: balance %d at version %d, want %d at %d", id, got.Balance, got.Version, w.Balance, w.Version)
		}
	}
	if total != 100 {
		t.Errorf("total %d after the restart, want 100: money was created or destroyed", total)
	}
}

// TestBadEventStoreIsOneLine runs the service as main does with an
// ALLFRAME_EVENTSTORE that cannot open: it must exit 1 with one line on
// stderr that names the variable and the cause, not fx's chain of
// constructors and source files.
func TestBadEventStoreIsOneLine(t *testing.T) {
	missing := "sqlite:" + filepath.Join(t.TempDir(), "no", "such", "dir", "bank.db")
	tests := []struct {
		give string
		want string // in the line
	}{
		{give: "bogus:x", want: `ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus (want memory: or sqlite:PATH[?durability=full|normal] or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME] or postgresql://…)`},
		{give: missing, want: "ALLFRAME_EVENTSTORE: open event store " + missing + ": sqlite: "},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G204: re-executes this test binary as the service
		cmd.Env = append(os.Environ(), childEnv+"=1",
			"ALLFRAME_HTTP_ADDR=127.0.0.1:0", "ALLFRAME_GRPC_ADDR=127.0.0.1:0",
			"ALLFRAME_EVENTSTORE="+tt.give, "OTEL_SDK_DISABLED=true")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("ALLFRAME_EVENTSTORE=%s: %v, want exit status 1", tt.give, err)
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], tt.want) || strings.Contains(lines[0], ".go:") {
			t.Errorf("ALLFRAME_EVENTSTORE=%s printed:\n%s\nwant one line with %s", tt.give, stderr.String(), tt.want)
		}
	}
}
