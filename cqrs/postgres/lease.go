package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// leaseKey is the advisory lock key (the one-bigint form, a key space
// apart from the two-integer locks of migrations and appends) of the
// lease of projection name in schema: 64 bits of a hash, so two
// projections practically never share a lease.
func leaseKey(schema, name string) int64 {
	sum := sha256.Sum256([]byte("allframe projection\x00" + schema + "\x00" + name))
	return int64(binary.BigEndian.Uint64(sum[:8])) //nolint:gosec // G115: any 64 bits make a key
}

// LeaseProjection waits until this Store holds the lease of the
// projection called name among every Store on the schema, and returns it;
// NewProjection's projections call it (they implement cqrs.Leaser), and
// cqrs.Projections runs a projection only while it holds its lease.
//
// The lease is a session advisory lock (pg_advisory_lock) on a connection
// of its own, outside the pool. Replicas waiting for it block in
// pg_advisory_lock, so PostgreSQL hands it over the moment the holder's
// session ends — when its process exits or is killed (the kernel closes
// its socket), when it releases, when pg_terminate_backend ends it. A
// holder that hangs or is cut off keeps its socket open; its session is
// then ended by the server after the lease timeout (WithLeaseTimeout:
// idle_session_timeout, with TCP keepalives), because a healthy holder
// runs a statement every third of it. The holder watches its connection
// and reports the lease lost at once when the server ends it, or when a
// check fails.
//
// While it waits, LeaseProjection reports the projection's checkpoint to
// standby each time a holder commits one (NOTIFY on the schema's
// checkpoints channel; polled every poll interval as well). A held lease
// is also reported lost when the checkpoint moves back (a Reset by
// another replica, e.g. a rebuild started on one standing by), so the
// holder starts again from it even when no new event comes.
//
// LeaseProjection implements cqrs.LeaseProvider: read models
// (cqrs.NewReadModel) and saga runners take turns through it too.
//
// Exactly-once does not rest on the lease: a holder that lost its lease
// without knowing may commit one more batch, and Projection.Apply then
// skips what the new holder applied (its checkpoint check).
func (s *Store) LeaseProjection(ctx context.Context, name string, standby func(position int64)) (cqrs.Lease, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	conn, err := s.leaseConn(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("postgres: lease of %s: %w", name, err)
	}
	wctx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	if standby != nil {
		watching.Go(func() { s.watchCheckpoint(wctx, name, standby) })
	}
	err = s.acquire(ctx, conn, leaseKey(s.opts.schema, name))
	stopWatch()
	watching.Wait()
	var seen int64
	changed := s.cpChangedCh()
	if err == nil {
		// Read before the holder reads it, so that a reset after this is
		// seen as a move back.
		seen, err = s.LoadCheckpoint(ctx, name)
	}
	if err != nil {
		closeConn(conn)
		return nil, err
	}
	l := &lease{conn: conn, lost: make(chan struct{})}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	// The lease outlives ctx; Release cancels hctx.
	l.done.Go(func() { l.hold(hctx, s.opts.lease/3) })
	l.done.Go(func() { l.watchReset(hctx, s, name, seen, changed) })
	return l, nil
}

var _ cqrs.LeaseProvider = (*Store)(nil)

// leaseConn connects the session that holds (or waits for) a lease: a
// server that finds it idle for the lease timeout, or its peer silent,
// ends it.
func (s *Store) leaseConn(ctx context.Context, name string) (*pgx.Conn, error) {
	cfg := s.connConfig.Copy()
	cfg.RuntimeParams["application_name"] = "allframe lease " + s.opts.schema + " " + name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ttl := s.opts.lease
	ms := strconv.FormatInt(ttl.Milliseconds(), 10)
	keepalive := strconv.FormatInt(max(int64(ttl/3/time.Second), 1), 10)
	// lock_timeout bounds each wait for the lease, so a waiting session
	// is not idle and shows it is alive; idle_session_timeout (14+)
	// expires a holder that stopped checking in.
	_, err = conn.Exec(ctx, `SELECT set_config('lock_timeout', $1, false), set_config('tcp_keepalives_idle', $2, false),
	set_config('tcp_keepalives_interval', $2, false), set_config('tcp_keepalives_count', '3', false),
	set_config('tcp_user_timeout', $1, false),
	CASE WHEN current_setting('server_version_num')::int >= 140000 THEN set_config('idle_session_timeout', $1, false) END`,
		ms, keepalive)
	if err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx) // closing the session releases its locks
}

// acquire blocks in pg_advisory_lock until conn holds key, renewing the
// wait every lock timeout.
func (s *Store) acquire(ctx context.Context, conn *pgx.Conn, key int64) error {
	for {
		_, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "55P03" { // lock_not_available: lock_timeout elapsed
			continue
		}
		if s.isClosed() {
			return cqrs.ErrClosed
		}
		return fmt.Errorf("postgres: wait for a lease: %w", err)
	}
}

// watchCheckpoint reports the projection's checkpoint to standby whenever
// it may have moved, until ctx ends.
func (s *Store) watchCheckpoint(ctx context.Context, name string, standby func(int64)) {
	last := int64(-1)
	for {
		changed := s.cpChangedCh()
		if pos, err := s.LoadCheckpoint(ctx, name); err == nil && pos != last {
			last = pos
			standby(pos)
		}
		var t *time.Timer
		var tick <-chan time.Time
		if s.opts.poll > 0 {
			t = time.NewTimer(s.opts.poll)
			tick = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-tick:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// lease is a held projection lease.
type lease struct {
	conn     *pgx.Conn
	lost     chan struct{}
	lostOnce sync.Once
	cancel   context.CancelFunc
	done     sync.WaitGroup
	once     sync.Once
}

var _ cqrs.Lease = (*lease)(nil)

func (l *lease) Lost() <-chan struct{} { return l.lost }

func (l *lease) lose() { l.lostOnce.Do(func() { close(l.lost) }) }

// Release ends the lease's session, which releases the lock.
func (l *lease) Release() {
	l.once.Do(func() {
		l.cancel()
		l.done.Wait()
		closeConn(l.conn)
	})
}

// hold watches the lease's connection until ctx ends: it waits for a
// message from the server (none comes on a healthy, idle session: the
// wait ends at once when the server ends it) and runs a statement every
// interval (which keeps the session from idle_session_timeout). Either
// failing loses the lease.
func (l *lease) hold(ctx context.Context, every time.Duration) {
	for {
		wctx, cancel := context.WithTimeout(ctx, every)
		err := l.conn.PgConn().WaitForNotification(wctx)
		timedOut := wctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !timedOut:
			l.lose()
			return
		}
		pctx, cancel := context.WithTimeout(ctx, every)
		_, err = l.conn.Exec(pctx, "SELECT 1")
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			l.lose()
			return
		}
	}
}

// watchReset loses the lease when, on a checkpoint notification, the
// projection's checkpoint is behind one seen before: committed
// checkpoints only move forward, except when reset. It returns when ctx
// ends.
func (l *lease) watchReset(ctx context.Context, s *Store, name string, seen int64, changed <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		if s.isClosed() { // changed stays closed: nothing more to learn
			<-ctx.Done()
			return
		}
		changed = s.cpChangedCh()
		pos, err := s.LoadCheckpoint(ctx, name)
		if err != nil {
			continue // the next notification, or the hold, tells
		}
		if pos < seen {
			l.lose()
			return
		}
		seen = pos
	}
}
