// Package consolefx provides the fx module of AllFrame's developer console
// (transport/console). It imports the console, telemetry and di only; a
// service that does not include it links no console code.
package consolefx

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/telemetryfx"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/console"
)

// Module provides the *console.Console from console.FromEnv(opts...): off
// unless ALLFRAME_CONSOLE=on, and then mounted at /_console/ on the HTTP
// host (di/httpfx) as one of the App's transports, showing the cqrs.Bus
// mounted on the App if any (di/cqrsfx). Its span recorder is given to
// di/telemetryfx's Telemetry (telemetryfx.OptionGroup), which then traces
// with the recorder alone when no exporter is configured; include
// telemetryfx.Module() for the console to show traces and metrics. Off, it
// mounts nothing, records nothing and costs nothing per request.
func Module(opts ...console.Option) fx.Option {
	return fx.Module("allframe.console",
		fx.Provide(
			func() *console.Console { return console.FromEnv(opts...) },
			fx.Annotate(func(c *console.Console) app.Transport { return c }, fx.ResultTags(di.TransportGroup)),
			fx.Annotate(func(c *console.Console) telemetry.Option {
				return telemetry.WithSpanProcessor(c.SpanProcessor())
			}, fx.ResultTags(telemetryfx.OptionGroup)),
		),
	)
}
