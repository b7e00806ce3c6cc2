package postgres

import (
	"context"
	"net/url"

	"github.com/allframe-go/allframe/cqrs"
)

var _ cqrs.StoreCloser = (*Store)(nil)

// Backend returns the cqrs.Backend that opens postgres:// (and
// postgresql://) URLs with Open and opts, for cqrs.Open and
// di/cqrsfx: ALLFRAME_EVENTSTORE=postgres://USER:PASSWORD@HOST:PORT/DB.
// Options in the URL's query are pgx's (sslmode, pool_max_conns, …).
func Backend(opts ...Option) cqrs.Backend {
	return cqrs.Backend{
		Scheme: "postgres",
		Form:   "postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…]",
		Open: func(ctx context.Context, u *url.URL) (cqrs.StoreCloser, error) {
			return Open(ctx, u.String(), opts...)
		},
	}
}
