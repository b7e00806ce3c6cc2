// Package webhook provides an outbox.Publisher that delivers each message
// as an HTTP POST with a JSON body, in order, one at a time:
//
//	pub := webhook.New("https://partner.example/hooks",
//		webhook.WithSecret(secret), webhook.WithRetries(8))
//	outbox.New(bus, "partner", pub, outbox.Map(…))
//
// The body is the message: {"id", "topic", "key", "payload", "headers",
// "time", "stream", "version", "position"}. Every request carries the
// message id as Idempotency-Key and Webhook-Id, so a receiver
// deduplicates redeliveries, and Webhook-Timestamp; with WithSecret, a
// Webhook-Signature in the Standard Webhooks format (HMAC-SHA256), checked
// by Verify.
//
// A 2xx answer acknowledges the message. Transport errors, timeouts
// (WithTimeout), 408, 429 and 5xx are retried with exponential backoff and
// jitter, bounded (WithBackoff, honouring Retry-After within the bound)
// and limited (WithRetries); past the limit Publish fails and the relay
// retries from that message later. Any other answer (a 4xx) is a
// permanent rejection: the relay stops on it with status failed and the
// receiver's answer as the error, or hands it to outbox.WithDeadLetter and
// goes on.
package webhook
