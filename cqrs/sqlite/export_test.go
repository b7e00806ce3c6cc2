package sqlite

import (
	"net/url"
	"os"
)

// WriterDSN exposes the writer's connection settings to the benchmarks, so
// the raw-SQL baselines run with exactly the same database configuration.
var WriterDSN = func(path string, d Durability) string { return writerDSN(path, d.pragma()) }

// SetSync replaces the function that syncs the WAL of a DurabilityFull
// store; call it before the store's first write.
func SetSync(s *Store, fn func(*os.File) error) {
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	s.sync.sync = fn
}

// SetInlineSync makes stores opened from now on sync inside COMMIT
// (synchronous=FULL) instead of on the syncer, for comparison.
func SetInlineSync(on bool) { inlineSync = on }

// ParseURL is parseURL with its options applied.
func ParseURL(u *url.URL) (path string, d Durability, err error) {
	path, opts, err := parseURL(u)
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return path, o.durability, err
}

// Submitted counts the write requests handed to s's writer (queued, or in
// its open transaction, or done): tests wait on it instead of sleeping.
func Submitted(s *Store) int64 { return s.stats.submitted.Load() }

// Closing reports whether Close has begun: s refuses new writes.
func Closing(s *Store) bool { return s.isClosed() }
