package middleware_test

import (
	"context"
	"fmt"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

type ReportIn struct{}

type ReportOut struct {
	Rows int `json:"rows"`
}

// An App with a rate limit of 10 calls a second per client IP (bursts of
// 20) and 5 logins a minute, the default deadline except for a report
// allowed two minutes, and the default stream caps: Defaults written out
// with one value changed.
func Example() {
	a := app.New(app.Use(
		middleware.RateLimit(middleware.PerSecond(10).WithBurst(20),
			middleware.OperationRate("login", middleware.PerMinute(5))),
		middleware.Timeout(middleware.DefaultTimeout, middleware.OperationTimeout("report", 2*time.Minute)),
		middleware.MaxStreams(middleware.DefaultMaxStreams, middleware.StreamsPer(middleware.DefaultMaxStreamsPerPeer, middleware.PeerKey)),
	))
	app.Query(a, "report", func(ctx context.Context, _ ReportIn) (ReportOut, error) {
		deadline, _ := ctx.Deadline()
		fmt.Println("report has", time.Until(deadline).Round(time.Minute), "to run")
		return ReportOut{Rows: 3}, nil
	})
	out, err := app.Invoke[ReportIn, ReportOut](context.Background(), a, "report", ReportIn{})
	fmt.Println(out.Rows, err)
	// Output:
	// report has 2m0s to run
	// 3 <nil>
}

// A call past its deadline fails with deadline_exceeded and the reason
// TIMEOUT: 504 on REST, DEADLINE_EXCEEDED on gRPC, extensions.code
// "TIMEOUT" on GraphQL.
func ExampleTimeout() {
	a := app.New(app.Use(middleware.Timeout(time.Millisecond)))
	app.Query(a, "wait", func(ctx context.Context, _ ReportIn) (ReportOut, error) {
		<-ctx.Done()
		return ReportOut{}, ctx.Err()
	})
	_, err := app.Invoke[ReportIn, ReportOut](context.Background(), a, "wait", ReportIn{})
	e := app.ErrorFrom(err)
	fmt.Println(e.Code, e.Reason)
	// Output: deadline_exceeded TIMEOUT
}
