package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one running server process.
type server struct {
	name  string
	cmd   *exec.Cmd
	http  string // host:port of HTTP (REST, GraphQL, Connect), if any
	grpc  string // host:port of gRPC, if any
	stats string // host:port of the stats listener, if any
	log   *bytes.Buffer
}

var running []*server

// start runs bin with args and env, and waits until every address of s
// accepts connections.
func start(s *server, bin string, env []string, args ...string) error {
	s.log = new(bytes.Buffer)
	s.cmd = exec.Command(bin, args...) //nolint:gosec // the harness's own binaries
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	running = append(running, s)
	deadline := time.Now().Add(20 * time.Second)
	for _, addr := range []string{s.http, s.grpc, s.stats} {
		if addr == "" {
			continue
		}
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				_ = c.Close()
				break
			}
			if time.Now().After(deadline) || s.cmd.ProcessState != nil {
				return fmt.Errorf("%s did not listen on %s: %w\n%s", s.name, addr, err, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// stop ends s with SIGTERM (SIGKILL after 5 s).
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

func stopAll() {
	for _, s := range running {
		s.stop()
	}
	running = nil
}

// cpu returns the CPU time s has used so far, all threads: utime+stime of
// /proc/PID/stat.
func (s *server) cpu(tick float64) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields are counted after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/PID/stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/PID/stat")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(float64(utime+stime) * tick * 1e9), nil
}

// allocs returns the heap objects s has allocated so far, or -1 when it
// has no stats listener.
func (s *server) allocs() int64 {
	if s.stats == "" {
		return -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.stats+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// clockTick returns the length of a /proc/PID/stat clock tick in seconds
// (getconf CLK_TCK, 100 Hz on Linux unless told otherwise).
func clockTick() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if hz, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && hz > 0 {
			return 1 / float64(hz)
		}
	}
	return 0.01
}

// profile fetches a CPU profile of s for the length of a run into
// c.prof/<name>.pprof, in the background, when c.prof and name are set;
// the returned function waits for it.
func (s *server) profile(c config, name string) func() {
	if c.prof == "" || name == "" || s.stats == "" {
		return func() {}
	}
	file := filepath.Join(c.prof, strings.NewReplacer(" ", "_", "/", "_", ",", "", "(", "", ")", "", "+", "").Replace(name)+".pprof")
	secs := max(1, int(c.dur/time.Second)-1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get("http://" + s.stats + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs)) //nolint:noctx // loopback, bounded by seconds
		if err != nil {
			logf("profile %s: %v\n", name, err)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			logf("profile %s: %v\n", name, err)
		}
	}()
	return func() { <-done }
}
