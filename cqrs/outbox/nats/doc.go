// Package nats provides an outbox.Publisher for NATS JetStream
// (github.com/nats-io/nats.go, imported by this package alone):
//
//	nc, err := nats.Connect(url)
//	…
//	js, err := jetstream.New(nc)
//	…
//	outbox.New(bus, "jetstream", outboxnats.New(js), outbox.Map(…))
//
// Each message goes to the subject named by its Topic (WithSubject), with
// its payload as data, its headers, Outbox-Key, Outbox-Time,
// Outbox-Stream and Outbox-Version, and its id as Nats-Msg-Id. Messages
// are published one at a time and each waits for the stream's PubAck, so
// they are stored in log order; the relay saves its checkpoint only after
// the acknowledgements. A redelivery after a crash or a lost
// acknowledgement carries the same Nats-Msg-Id, which JetStream
// deduplicates within the stream's duplicate window
// (StreamConfig.Duplicates, 2 minutes by default: keep it longer than the
// relay's longest outage you want covered; beyond it consumers deduplicate
// on the id themselves).
//
// The subjects must be bound to a stream; until one is, publishing fails
// with no response from a stream and the relay retries with backoff.
package nats
