package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/allframe-go/allframe/cqrs"
)

// urlForm is how a SQLite store URL looks.
const urlForm = "sqlite:PATH[?durability=full|normal]"

// Backend returns the backend of "sqlite:" URLs for cqrs.Open, which
// opens the file with opts:
//
//	sqlite:bank.db                    relative to the working directory
//	sqlite:/var/lib/bank/events.db    absolute (sqlite:///var/lib/… too)
//	sqlite:bank.db?durability=normal  WithDurability(DurabilityNormal)
//
// The path may use URL escapes (%20 for a space). A durability in the URL
// overrides one in opts; no other query parameter is accepted.
func Backend(opts ...Option) cqrs.Backend {
	return cqrs.Backend{
		Scheme: "sqlite",
		Form:   urlForm,
		Open: func(ctx context.Context, u *url.URL) (cqrs.StoreCloser, error) {
			path, urlOpts, err := parseURL(u)
			if err != nil {
				return nil, fmt.Errorf("%w (want %s)", err, urlForm)
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return Open(path, append(opts[:len(opts):len(opts)], urlOpts...)...)
		},
	}
}

// parseURL returns the file path of a sqlite: URL and the options its
// query sets. url.Parse keeps a relative path (sqlite:data/bank.db) in
// Opaque and an absolute one (sqlite:/data/bank.db) in Path.
func parseURL(u *url.URL) (string, []Option, error) {
	if u.Host != "" || u.User != nil {
		return "", nil, fmt.Errorf("%s is a host, not a file (write sqlite:%s for a relative path, sqlite:/… for an absolute one)", u.Host, u.Host+u.Path)
	}
	if u.Fragment != "" {
		return "", nil, errors.New("unexpected #fragment")
	}
	path := u.Path
	if u.Opaque != "" {
		var err error
		if path, err = url.PathUnescape(u.Opaque); err != nil {
			return "", nil, err
		}
	}
	if path == "" {
		return "", nil, errors.New("no file path")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", nil, err
	}
	var opts []Option
	for k, vs := range q {
		if k != "durability" {
			return "", nil, fmt.Errorf("unknown parameter %s", k)
		}
		if len(vs) != 1 {
			return "", nil, errors.New("durability given more than once")
		}
		switch vs[0] {
		case "full":
			opts = append(opts, WithDurability(DurabilityFull))
		case "normal":
			opts = append(opts, WithDurability(DurabilityNormal))
		default:
			return "", nil, fmt.Errorf("unknown durability %s", vs[0])
		}
	}
	return path, opts, nil
}

var _ cqrs.StoreCloser = (*Store)(nil)
