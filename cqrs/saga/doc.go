// Package saga provides sagas (process managers) on top of any cqrs.Store:
// a declared sequence of steps, each issuing commands through the App and
// each with a compensation, whose progress is kept as events in the store,
// so an instance interrupted by a crash is resumed — on the same process
// or another replica — and finished or compensated.
//
//	withdraw := saga.Command[AmountIn, Account](a, "withdraw")
//	deposit := saga.Command[AmountIn, Account](a, "deposit")
//	transfers := saga.New[Transfer](bus, "transfer", saga.WithTimeout(time.Minute)).
//		Step("debit",
//			func(ctx context.Context, t *Transfer) error { _, err := withdraw(ctx, AmountIn{ID: t.From, Amount: t.Amount}); return err },
//			func(ctx context.Context, t *Transfer) error { _, err := deposit(ctx, AmountIn{ID: t.From, Amount: t.Amount}); return err }).
//		Step("credit",
//			func(ctx context.Context, t *Transfer) error { _, err := deposit(ctx, AmountIn{ID: t.To, Amount: t.Amount}); return err },
//			nil)
//	transfers.RegisterStatus("transferStatus", app.HTTP("GET", "/transfers/{id}"))
//	// Start it from a command (transfers.Start(ctx, id, Transfer{…})) or on
//	// an event: saga.StartOn(transfers, func(ev TransferRequested, _ cqrs.Event) (string, Transfer, bool) {…})
//
// # Running
//
// Steps run one at a time, in order. A step's action failing with a
// business error (an *app.Error coded invalid_argument, not_found,
// already_exists, permission_denied, failed_precondition or out_of_range;
// see WithBusinessErrors) fails the step at once, and the compensations of
// the steps that succeeded run in reverse order: the instance ends
// compensated. Any other error is retried with exponential backoff
// (WithRetries, WithBackoff); past the retries, or when a compensation
// fails, the instance ends failed, with the error, for an operator. A
// deadline (WithTimeout for the instance, StepTimeout for one step) that
// passes before the last step succeeds cancels the action in flight and
// compensates; deadlines and backoff read an injectable Clock.
//
// # State and recovery
//
// Each instance has its own stream, "saga-<name>-<id>" (stream type
// "saga.<name>"), holding Started (with the initial state S as JSON),
// StepSucceeded (with the state the step left), StepFailed, TimedOut,
// CompensationSucceeded, and a final Completed, Compensated or Failed;
// Status, Get and List fold them. Every event is appended with the
// stream's expected version, so two runners never record conflicting
// progress.
//
// The runner is a projection of the Bus ("saga-<name>") that hands each
// started instance to a worker (WithConcurrency at once). Its checkpoint
// stays just before the oldest unfinished instance, so after a restart it
// finds every instance it must resume. A step interrupted by a crash runs
// again: its commands, sent with Command, carry the Idempotency-Key
// "saga/<name>/<id>/<step>" ("…/compensate" for the compensation, "#n" for
// the n-th command of one action), so a command that took effect before
// the crash is replayed from its idempotency record, not run again —
// exactly-once effects, as long as the restart comes within the Bus's
// idempotency retention (24h by default). On a store shared by replicas
// that offers leases (cqrs.LeaseProvider: PostgreSQL), one replica at a
// time runs a saga's instances and the others stand by, taking over when
// it stops or dies; without leases, concurrent runners still record each
// step once, through the expected versions and the idempotency keys.
//
// The step running when its deadline passes counts as not done when its
// action returns an error (an in-process cqrs command either takes effect
// and returns its result, or returns an error having done nothing; keep one
// command per step for that reason). After a restart, the first step a
// runner resumes runs even past its deadline, because it may have taken
// effect before the crash: it is then recorded and compensated.
//
// # Correlation and causation
//
// Every event of an instance records its id as correlation id, and as
// causation id the event before it (for Started: the start event, or the
// request's X-Causation-ID / X-Request-ID). The commands of a step carry the
// instance id as X-Correlation-ID and the event that triggered the step as
// X-Causation-ID, so the events they append record both.
//
// # Status
//
// RegisterStatus registers a query returning an instance's Status (state:
// running, compensating, completed, compensated or failed; the step; the
// error; times) on every protocol; RegisterList pages through instances.
// The saga needs nothing from a backend beyond cqrs.Store.
package saga
