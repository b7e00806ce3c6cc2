package cqrs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// StoreCloser is a Store that holds resources (a file, connections,
// goroutines) until it is closed. Open returns one; memory.Store,
// sqlite.Store and every backend a Backend opens implement it.
type StoreCloser interface {
	Store
	io.Closer
}

// Backend opens the stores of one URL scheme. Each backend package exports
// a constructor of its Backend (memory.Backend, sqlite.Backend), so a
// service names the backends it links and Open needs no registry.
type Backend struct {
	// Scheme is the URL scheme the backend opens, without the colon:
	// "memory", "sqlite", "postgres". Compared case-insensitively.
	Scheme string
	// Form is the accepted URL form, shown in errors, e.g.
	// "sqlite:PATH[?durability=full|normal]". Empty: Scheme + ":".
	Form string
	// Open opens the store that u names. u.Scheme is Scheme; the rest of
	// u (opaque part or host and path, query) is the backend's to check,
	// and a URL it cannot use is an error saying what it expected.
	Open func(ctx context.Context, u *url.URL) (StoreCloser, error)
}

// form returns how b's URLs look.
func (b Backend) form() string {
	if b.Form != "" {
		return b.Form
	}
	return b.Scheme + ":"
}

// Open opens the store that rawURL names with the first of backends whose
// scheme is the URL's:
//
//	memory:                                  memory.Backend()
//	sqlite:PATH[?durability=full|normal]     sqlite.Backend(): relative (sqlite:data/bank.db) or absolute (sqlite:/var/lib/bank.db)
//	postgres://USER:PASSWORD@HOST/DB         the PostgreSQL backend
//
// The caller closes the store. An empty or malformed URL, or one whose
// scheme no backend opens, is an error that lists the accepted forms. Errors show the URL with any password redacted.
func Open(ctx context.Context, rawURL string, backends ...Backend) (StoreCloser, error) {
	if len(backends) == 0 {
		return nil, errors.New("open event store: no backends to open it with")
	}
	if rawURL == "" {
		return nil, badURL("open event store: empty URL", backends)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// Show the parser's reason, not the URL: a URL that does not parse
		// cannot be redacted and may carry a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, badURL(fmt.Sprintf("open event store: malformed URL: %v", err), backends)
	}
	shown := u.Redacted()
	if u.Scheme == "" {
		return nil, badURL(fmt.Sprintf("open event store %s: no scheme", shown), backends)
	}
	for _, b := range backends {
		if !strings.EqualFold(b.Scheme, u.Scheme) {
			continue
		}
		s, err := b.Open(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("open event store %s: %w", shown, err)
		}
		return s, nil
	}
	return nil, badURL(fmt.Sprintf("open event store %s: unknown scheme %s", shown, u.Scheme), backends)
}

// badURL is msg followed by the forms backends accept.
func badURL(msg string, backends []Backend) error {
	forms := make([]string, len(backends))
	for i, b := range backends {
		forms[i] = b.form()
	}
	return fmt.Errorf("%s (want %s)", msg, strings.Join(forms, " or "))
}
