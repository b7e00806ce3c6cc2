package rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/app"
)

// sseStartDelay is how long a stream may take to fail with a plain
// problem+json response (e.g. not_found) before the event-stream headers
// are committed.
const sseStartDelay = 250 * time.Millisecond

// stream serves a stream operation as Server-Sent Events: one `data:` line
// of JSON per item with an increasing `id:`, keep-alive comments, and a
// final `event: error` carrying a problem document if the stream fails
// after it started. Errors before the first item (bad input, not found) are
// plain problem+json responses.
func (t *Transport) stream(op *app.Operation, plan *bindPlan, enc encodeFunc) echo.HandlerFunc {
	outPtr := reflect.PointerTo(op.Output.Go)
	return func(c echo.Context) error {
		r, w := c.Request(), c.Response()
		in := op.NewInput()
		call := &app.Call{
			Protocol:       app.ProtocolHTTP,
			Metadata:       r.Header,
			ResponseHeader: w.Header(),
			Peer:           r.RemoteAddr,
			Input:          in,
			Route:          op.HTTPPath,
			HTTPRequest:    r,
		}
		done, err := t.decode(c, plan, in)
		if done != nil {
			defer done()
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			call.InputErr = err
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stopAfter := context.AfterFunc(t.stopCtx, cancel)
		defer stopAfter()

		var (
			mu      sync.Mutex
			started bool
			failed  error
			id      int
		)
		start := func() {
			if started {
				return
			}
			started = true
			h := w.Header()
			h.Set("Content-Type", "text/event-stream")
			h.Set("Cache-Control", "no-cache")
			h.Set("Connection", "keep-alive")
			h.Set("X-Accel-Buffering", "no")
			w.WriteHeader(http.StatusOK)
		}
		write := func(b []byte) error {
			if failed != nil {
				return failed
			}
			if _, err := w.Write(b); err != nil {
				failed = err
				cancel()
				return err
			}
			if err := http.NewResponseController(w.Writer).Flush(); err != nil {
				failed = err
				cancel()
				return err
			}
			return nil
		}
		buf := make([]byte, 0, 256)
		call.Send = func(item any) error {
			mu.Lock()
			defer mu.Unlock()
			if err := ctx.Err(); err != nil {
				return err
			}
			buf = append(buf[:0], "id: "...)
			if call.Cursor != "" {
				buf = append(buf, call.Cursor...)
			} else {
				buf = strconv.AppendInt(buf, int64(id+1), 10)
			}
			buf = append(buf, "\ndata: "...)
			var err error
			if reflect.TypeOf(item) == outPtr {
				buf, err = enc(buf, reflect.ValueOf(item).UnsafePointer())
			} else { // a middleware sends something else
				var data []byte
				data, err = json.Marshal(item)
				buf = append(buf, data...)
			}
			if err != nil {
				return app.WrapError(app.CodeInternal, "cannot encode stream item", err)
			}
			buf = append(buf, "\n\n"...)
			start()
			id++
			return write(buf)
		}

		hbDone := make(chan struct{})
		hbStopped := make(chan struct{})
		go func() {
			defer close(hbStopped)
			timer := time.NewTimer(sseStartDelay)
			defer timer.Stop()
			for {
				select {
				case <-hbDone:
					return
				case <-ctx.Done():
					return
				case <-timer.C:
					mu.Lock()
					start()
					err := write([]byte(": keep-alive\n\n"))
					mu.Unlock()
					if err != nil {
						return
					}
					timer.Reset(t.opts.heartbeat)
				}
			}
		}()
		_, err = op.Handle(ctx, call)
		close(hbDone)
		<-hbStopped

		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			start()
			return nil
		}
		e := app.ErrorFrom(err)
		if !started {
			writeProblem(w, r, e)
			return nil
		}
		if r.Context().Err() != nil || t.stopCtx.Err() != nil || failed != nil {
			return nil // the client left or the server is stopping
		}
		b, _ := json.Marshal(NewProblem(e, r.URL.Path))
		_ = write(append(append([]byte("event: error\ndata: "), b...), "\n\n"...))
		return nil
	}
}
