package memory

import (
	"context"
	"errors"
	"net/url"

	"github.com/allframe-go/allframe/cqrs"
)

// Backend returns the backend of the URL "memory:" for cqrs.Open: each
// Open returns a new, empty Store built with opts.
func Backend(opts ...Option) cqrs.Backend {
	return cqrs.Backend{
		Scheme: "memory",
		Form:   "memory:",
		Open: func(_ context.Context, u *url.URL) (cqrs.StoreCloser, error) {
			if u.Opaque != "" || u.Host != "" || u.Path != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				return nil, errors.New("the memory store takes nothing after the colon (want memory:)")
			}
			return New(opts...), nil
		},
	}
}

var _ cqrs.StoreCloser = (*Store)(nil)
