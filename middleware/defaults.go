package middleware

import (
	"fmt"
	"os"

	"github.com/allframe-go/allframe/app"
)

// Defaults returns the middleware that gives an App AllFrame's default
// limits, outermost first: Timeout(DefaultTimeout) for queries and
// commands, and MaxStreams(DefaultMaxStreams) with
// DefaultMaxStreamsPerPeer streams per connection. Use it as
// app.New(app.Use(middleware.Defaults()...)), or write the list out to
// change a value: a second Timeout added next to it can only shorten
// deadlines, since the earlier one still ends the context.
func Defaults() []app.Middleware {
	return []app.Middleware{
		Timeout(DefaultTimeout),
		MaxStreams(DefaultMaxStreams, StreamsPer(DefaultMaxStreamsPerPeer, PeerKey)),
	}
}

// EnvDefaultLimits is the variable that turns the default limits off where
// the batteries-included entry points (allframe.Run, di.Module) install
// them: ALLFRAME_DEFAULT_LIMITS=off installs nothing, so a service can add
// its own list (e.g. longer deadlines with OperationTimeout).
const EnvDefaultLimits = "ALLFRAME_DEFAULT_LIMITS"

// DefaultsFromEnv returns Defaults unless getenv (os.Getenv when nil)
// says ALLFRAME_DEFAULT_LIMITS=off; other values than "", "on" and "off"
// are an error naming the variable.
func DefaultsFromEnv(getenv func(string) string) ([]app.Middleware, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch v := getenv(EnvDefaultLimits); v {
	case "", "on":
		return Defaults(), nil
	case "off":
		return nil, nil
	default:
		return nil, fmt.Errorf("%s=%q: want on or off", EnvDefaultLimits, v)
	}
}
