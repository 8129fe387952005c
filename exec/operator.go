package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Emitter receives an operator's output. Emit does not take ownership of m.Batch:
// the callee Retains what it keeps, and the operator Releases its own reference after
// Emit returns.
type Emitter interface {
	Emit(m Message) error
}

// EmitFunc adapts a function to Emitter.
type EmitFunc func(m Message) error

// Emit calls f.
func (f EmitFunc) Emit(m Message) error { return f(m) }

// Operator is one step of a pipeline. The contract:
//
//   - Process is called with messages in order from one goroutine; an operator needs no locks.
//   - Process does not take ownership of m.Batch: it Retains what it keeps beyond the call.
//   - Every batch an operator emits matches Schema() exactly.
//   - An operator forwards watermarks downstream (possibly held back, never advanced past its
//     input's) after emitting every result they complete, and emits KindEnd exactly once, after
//     flushing all state, when it receives KindEnd.
//   - Errors are returned, never panicked; an error stops the job.
//   - Close releases everything the operator holds; it is idempotent and safe after an error.
type Operator interface {
	Schema() *arrow.Schema
	Process(m Message, out Emitter) error
	Close() error
}

// Stateful is implemented by operators whose state must survive a restart. Snapshot
// writes the state as of the last processed message; Restore replaces the state of a
// freshly built operator. The encoding is the operator's own and is versioned by it.
// Operators and BinaryOperators alike implement it.
type Stateful interface {
	// StateID is a stable id of the operator within its plan, used to map state on restore.
	StateID() string
	Snapshot() ([]byte, error)
	Restore(state []byte) error
}

// BinaryOperator is an operator with two inputs: side 0 (left) and side 1 (right). The
// Operator contract holds, and also:
//
//   - messages of both sides arrive on one goroutine, interleaved in any order; results must
//     not depend on that order beyond what the changelog allows (the materialized result of
//     an updating output is the same for every interleaving);
//   - a row of one side is late against that side's own watermark (the row's RowWatermarks
//     entry), never against the other side's, so lateness does not depend on interleaving;
//   - the output watermark is the minimum of both sides' watermarks, held back as far as
//     needed that no row emitted later is late against it; it is forwarded only when it
//     advances;
//   - KindEnd is emitted once, after both sides ended and all state was flushed.
type BinaryOperator interface {
	Schema() *arrow.Schema
	ProcessSide(side int, m Message, out Emitter) error
	Close() error
}

// processWatermark handles a watermark or end message m of a one-input operator whose
// results wait for its input watermark *wm: when m advances *wm (the end advances it to
// MaxWatermark, unless it is there already), fire emits what the new *wm completes, then
// the watermark is forwarded; the end message is forwarded last.
func processWatermark(m Message, wm *int64, fire func(out Emitter) error, out Emitter) error {
	if m.Kind == KindWatermark {
		if m.Watermark <= *wm {
			return nil
		}
		*wm = m.Watermark
		if err := fire(out); err != nil {
			return err
		}
		return out.Emit(WatermarkMessage(*wm))
	}
	if *wm != MaxWatermark {
		*wm = MaxWatermark
		if err := fire(out); err != nil {
			return err
		}
		if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
			return err
		}
	}
	return out.Emit(m)
}

// checkAppendOnly refuses a batch with -U or -D rows for the operator op (its kind and id),
// whose input must be append-only.
func checkAppendOnly(op, id string, m Message) error {
	for i, k := range m.Kinds {
		if k.IsRetract() {
			return fmt.Errorf("exec: %s %s: input is not append-only (row %d is %s)", op, id, i, k)
		}
	}
	return nil
}
