package engine

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
)

// asyncSink moves encoding and writing of results to their own goroutine, so that on two
// cores decoding, operators and output overlap. Batches are retained while queued. The
// first write error is returned by a later Write or by Close.
type asyncSink struct {
	next batchSink
	ch   chan keyedBatch
	done chan error
	err  error
}

// keyedBatch is a batch with its row kinds.
type keyedBatch struct {
	b     arrow.RecordBatch
	kinds []exec.RowKind
	sync  chan error // not nil: no batch; reply once everything before is written
}

func newAsyncSink(next batchSink) *asyncSink {
	a := &asyncSink{next: next, ch: make(chan keyedBatch, 4), done: make(chan error, 1)}
	go a.loop(a.ch)
	return a
}

func (a *asyncSink) loop(ch <-chan keyedBatch) {
	var err error
	for kb := range ch {
		if kb.sync != nil {
			kb.sync <- err
			continue
		}
		b := kb.b
		if err == nil {
			err = a.next.Write(b, kb.kinds)
			if err == nil {
				err = a.next.Flush()
			}
		}
		b.Release()
	}
	a.done <- err
}

func (a *asyncSink) Write(b arrow.RecordBatch, kinds []exec.RowKind) error {
	if a.err != nil {
		return a.err
	}
	select {
	case err := <-a.done:
		// The writer stopped early: only on an error.
		a.err = err
		a.ch = nil
		return err
	default:
	}
	b.Retain()
	a.ch <- keyedBatch{b: b, kinds: kinds}
	return nil
}

// Sync waits until every batch queued so far is written (a checkpoint needs the sink to
// have all output before it).
func (a *asyncSink) Sync() error {
	if a.err != nil || a.ch == nil {
		return a.err
	}
	reply := make(chan error, 1)
	select {
	case a.ch <- keyedBatch{sync: reply}:
	case err := <-a.done:
		a.err, a.ch = err, nil
		return err
	}
	if err := <-reply; err != nil {
		a.err = err
	}
	return a.err
}

// Flush is a no-op: the writer flushes after every batch it writes.
func (a *asyncSink) Flush() error { return a.err }

// Close waits for every queued batch to be written, then closes the next sink.
func (a *asyncSink) Close() error {
	if a.ch != nil {
		close(a.ch)
		a.ch = nil
		if err := <-a.done; err != nil && a.err == nil {
			a.err = err
		}
	}
	if err := a.next.Close(); err != nil && a.err == nil {
		a.err = err
	}
	return a.err
}
