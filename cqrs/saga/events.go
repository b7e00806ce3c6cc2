package saga

import (
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/cqrs"
)

// The events a saga instance records in its stream ("saga-<name>-<id>",
// stream type "saga.<name>"). They are registered in the Bus's Registry,
// so projections and event streams can decode them like any other event.
// Each one records the saga id as its correlation id and the event that
// caused it (the trigger, or the saga's previous event) as its causation id.

// Event names.
const (
	EventStarted               = "saga.Started"
	EventStepSucceeded         = "saga.StepSucceeded"
	EventStepFailed            = "saga.StepFailed"
	EventTimedOut              = "saga.TimedOut"
	EventCompensationSucceeded = "saga.CompensationSucceeded"
	EventCompleted             = "saga.Completed"
	EventCompensated           = "saga.Compensated"
	EventFailed                = "saga.Failed"
)

// Started is recorded when an instance starts, with its initial state.
type Started struct {
	Saga  string          `json:"saga"`
	ID    string          `json:"id"`
	State json.RawMessage `json:"state"`
}

// StepSucceeded is recorded when a step's action succeeded, with the state
// it left.
type StepSucceeded struct {
	Step  string          `json:"step"`
	State json.RawMessage `json:"state"`
}

// StepFailed is recorded when a step's action failed with a business error
// (see WithBusinessErrors); compensation follows.
type StepFailed struct {
	Step string `json:"step"`
	// Code and Message are the error's app code and client-safe message;
	// Cause is the full error text, for operators.
	Code    string `json:"code"`
	Message string `json:"message"`
	Cause   string `json:"cause,omitempty"`
}

// TimedOut is recorded when the saga's or a step's deadline passed before
// Step succeeded; compensation follows.
type TimedOut struct {
	Step string `json:"step"`
}

// CompensationSucceeded is recorded when the compensation of Step
// succeeded, with the state it left.
type CompensationSucceeded struct {
	Step  string          `json:"step"`
	State json.RawMessage `json:"state"`
}

// Completed is recorded when every step succeeded.
type Completed struct{}

// Compensated is recorded when every succeeded step has been compensated
// after a failure or a timeout.
type Compensated struct{}

// Failed is recorded when a step or a compensation kept failing with
// unexpected errors past the retries, or a compensation failed with a
// business error: the saga stops and needs an operator.
type Failed struct {
	Step         string `json:"step"`
	Compensating bool   `json:"compensating,omitempty"`
	Attempts     int    `json:"attempts"`
	Code         string `json:"code"`
	Message      string `json:"message"`
	Cause        string `json:"cause,omitempty"`
}

// registerEvents registers the saga events in reg unless a saga already
// did.
func registerEvents(reg *cqrs.Registry) {
	if _, _, ok := reg.Name(Started{}); ok {
		return
	}
	cqrs.RegisterEvent[Started](reg, EventStarted, 1)
	cqrs.RegisterEvent[StepSucceeded](reg, EventStepSucceeded, 1)
	cqrs.RegisterEvent[StepFailed](reg, EventStepFailed, 1)
	cqrs.RegisterEvent[TimedOut](reg, EventTimedOut, 1)
	cqrs.RegisterEvent[CompensationSucceeded](reg, EventCompensationSucceeded, 1)
	cqrs.RegisterEvent[Completed](reg, EventCompleted, 1)
	cqrs.RegisterEvent[Compensated](reg, EventCompensated, 1)
	cqrs.RegisterEvent[Failed](reg, EventFailed, 1)
}

// instance is a saga instance folded from its stream.
type instance struct {
	id       string
	version  int64
	position int64 // global position of the last event
	state    string
	data     json.RawMessage // the saga's state S, as JSON
	// next is, while running, the index of the step to run; while
	// compensating, the index of the next step to consider compensating
	// (counting down; -1 when none is left).
	next    int
	step    string // the step running, or the step that failed
	code    string
	message string
	lastID  string            // the last event's id: causation of what follows
	started time.Time         // when the instance started
	trace   trace.SpanContext // the trace context recorded with Started (its steps' spans join it)
	since   time.Time         // when the last event was recorded
}

func (in *instance) terminal() bool {
	return in.state == StateCompleted || in.state == StateCompensated || in.state == StateFailed
}

// fold applies one of the instance's events; index maps step names to
// their position in the declaration.
func (in *instance) fold(ev cqrs.Event, data any, steps []string) error {
	index := func(step string) (int, error) {
		for i, s := range steps {
			if s == step {
				return i, nil
			}
		}
		return 0, fmt.Errorf("saga instance %s: unknown step %q at version %d", in.id, step, ev.Version)
	}
	current := func() string {
		if in.next >= 0 && in.next < len(steps) {
			return steps[in.next]
		}
		return ""
	}
	in.version, in.position, in.lastID, in.since = ev.Version, ev.Position, ev.ID, ev.Time
	switch e := data.(type) {
	case Started:
		in.state, in.data, in.next, in.started = StateRunning, e.State, 0, ev.Time
		in.trace = ev.SpanContext()
		in.step = current()
	case StepSucceeded:
		i, err := index(e.Step)
		if err != nil {
			return err
		}
		in.data, in.next = e.State, i+1
		in.step = current()
		if in.step == "" {
			in.step = e.Step
		}
	case StepFailed:
		i, err := index(e.Step)
		if err != nil {
			return err
		}
		in.state, in.next, in.step, in.code, in.message = StateCompensating, i-1, e.Step, e.Code, e.Message
	case TimedOut:
		i, err := index(e.Step)
		if err != nil {
			return err
		}
		in.state, in.next, in.step = StateCompensating, i-1, e.Step
		in.code, in.message = "deadline_exceeded", "deadline exceeded"
	case CompensationSucceeded:
		i, err := index(e.Step)
		if err != nil {
			return err
		}
		in.data, in.next = e.State, i-1
	case Completed:
		in.state = StateCompleted
	case Compensated:
		in.state = StateCompensated
	case Failed:
		in.state, in.step, in.code, in.message = StateFailed, e.Step, e.Code, e.Message
	}
	return nil
}
