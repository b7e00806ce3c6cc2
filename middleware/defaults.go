package middleware

import "github.com/allframe-go/allframe/app"

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
