package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnect delays of the listener: it retries at once after a drop, then
// backs off up to listenMaxBackoff while the server stays unreachable.
const (
	listenMinBackoff = 20 * time.Millisecond
	listenMaxBackoff = 5 * time.Second
)

// listen keeps a connection outside the pool LISTENing on the schema's
// channels and wakes the subscriptions on every notification of the
// events channel (each appending transaction of any Store on the schema
// sends one when it commits), and the replicas standing by for a
// projection's lease on every notification of the checkpoints channel. When the connection drops it reconnects, and wakes the
// subscriptions once it listens again: notifications sent meanwhile are
// lost, so they re-read the log. The poll interval bounds the delay while
// the server is unreachable.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(s.listenDone)
	cfg.RuntimeParams["application_name"] = "allframe listen " + s.opts.schema
	listenSQL := "LISTEN " + pgx.Identifier{s.channel}.Sanitize() + "; LISTEN " + pgx.Identifier{s.cpChannel}.Sanitize()
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return
		}
		backoff = min(max(2*backoff, listenMinBackoff), listenMaxBackoff)
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			continue
		}
		if _, err := conn.Exec(ctx, listenSQL); err == nil {
			backoff = 0
			s.listenPID.Store(conn.PgConn().PID())
			s.stats.listens.Add(1)
			s.broadcast() // whatever was committed while not listening
			s.broadcastCheckpoint()
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				if n.Channel == s.cpChannel {
					s.broadcastCheckpoint()
				} else {
					s.broadcast()
				}
			}
			s.listenPID.Store(0)
		}
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(cctx)
		cancel()
	}
}
