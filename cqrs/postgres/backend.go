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
// The query parameter schema names the store's schema (WithSchema, after
// opts); the others are pgx's (sslmode, pool_max_conns, …).
func Backend(opts ...Option) cqrs.Backend {
	return cqrs.Backend{
		Scheme: "postgres",
		Form:   "postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME]",
		Open: func(ctx context.Context, u *url.URL) (cqrs.StoreCloser, error) {
			q := u.Query()
			if q.Has("schema") {
				opts = append(opts[:len(opts):len(opts)], WithSchema(q.Get("schema")))
				q.Del("schema")
				v := *u
				v.RawQuery = q.Encode()
				u = &v
			}
			return Open(ctx, u.String(), opts...)
		},
	}
}
