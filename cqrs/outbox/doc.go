// Package outbox provides the transactional outbox on any cqrs.Store:
// integration messages written in the same append as the domain events
// they go with, and a relay that publishes them in order, at least once,
// with a stable id per message, through a Publisher (webhook and NATS
// JetStream publishers live in the subpackages, with their dependencies).
//
// # The log is the outbox
//
// Every domain event is already durable in the event log, so the outbox
// needs no table of its own: a message is an event. A decide function
// returns a Message (see NewMessage) next to its domain events, and the
// aggregate appends them with one AppendRequest — atomic by construction,
// on every backend, with the command's optimistic concurrency and
// idempotency key. Domain events can also be published as they are, with
// no extra event, by mapping their type to a message (Map):
//
//	relay := outbox.New(bus, "webhooks", webhook.New("https://partner.example/hooks"),
//		outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
//			return outbox.NewMessage("bank.deposited", e.Stream, DepositV1{Account: e.Stream, Amount: ev.Amount})
//		}))
//
// and from a command:
//
//	msg, err := outbox.NewMessage("bank.account-opened", st.ID, AccountOpenedV1{ID: st.ID, Owner: in.Owner})
//	if err != nil {
//		return nil, err
//	}
//	return []any{AccountOpened{Owner: in.Owner}, msg}, nil
//
// The aggregate's apply function receives the Message events too; a type
// switch ignores them.
//
// # The relay
//
// A Relay is a projection of the Bus ("outbox-<name>"): it reads the log
// after its checkpoint, turns the Message events and the mapped events
// into messages, and hands them to the Publisher in log order, in batches
// (WithBatchSize). It saves its checkpoint only after the publisher has
// acknowledged every message up to it (or the part of a batch it reports
// in a *PublishError). A failure stops the batch; the Bus retries it from
// the checkpoint with backoff (cqrs.WithProjectionRetry). Several relays
// with different publishers each keep their own checkpoint.
//
// Guarantees:
//
//   - Atomic: a message is in the log if and only if the events appended
//     with it are; a rejected or conflicting command leaves neither.
//   - At least once: nothing is skipped; after a crash or a failed
//     acknowledgement the messages after the checkpoint are published
//     again.
//   - Stable ids: a message's ID is the id of the event it comes from
//     (unless the message sets its own), the same on every delivery, so
//     consumers deduplicate on it — the NATS publisher sends it as
//     Nats-Msg-Id, which JetStream deduplicates within its window; the
//     webhook publisher as Idempotency-Key.
//   - In order: messages go out one batch at a time in global log order,
//     which orders each stream's messages by version; a redelivery repeats
//     a suffix of what was sent, never reorders what was acknowledged.
//   - Nothing given up silently: a message the publisher rejects
//     permanently (ErrPermanent) stops the relay, whose status reports
//     failed with the error while it retries, unless WithDeadLetter takes
//     it.
//
// Projections.Status reports the relay like any projection (position,
// head, lag, state, last error); Relay.Status picks it out. Rebuild
// publishes the whole log again with the same ids.
//
// # Replicas
//
// Every replica may declare the relay: on a store that leases projections
// (PostgreSQL, cqrs.LeaseProvider) one replica publishes and the others
// stand by, taking over from the checkpoint when it stops or dies (a
// message whose acknowledgement was lost with the holder is published
// again, with the same id). On a store without leases (memory, SQLite —
// one process each, or several on one file) every process that declares
// the relay publishes: declare it in one of them.
package outbox
