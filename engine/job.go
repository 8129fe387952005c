package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/planner"
)

// Job is one running pipeline: a source, a chain of operators and a sink.
type Job struct {
	Name    string
	source  connectors.Source
	chain   *exec.Chain
	aggs    []lateCounter
	table   *planner.Table
	Stats   *Stats
	closers []func() error
}

type lateCounter interface {
	lateDropped() int64
	partlyLate() int64
}

type windowLate struct{ op *exec.WindowAggregate }

func (w windowLate) lateDropped() int64 { return w.op.LateRecordsDropped }
func (w windowLate) partlyLate() int64  { return w.op.PartlyLateRecords }

type sessionLate struct{ op *exec.SessionAggregate }

func (s sessionLate) lateDropped() int64 { return s.op.LateRecordsDropped }
func (s sessionLate) partlyLate() int64  { return 0 }

// Stats are a job's live counters, safe to read from another goroutine.
type Stats struct {
	RecordsIn  atomic.Int64
	RecordsOut atomic.Int64
	BadRecords atomic.Int64
	Late       atomic.Int64
	PartlyLate atomic.Int64 // late for some of their windows only (HOP, CUMULATE)
	Watermark  atomic.Int64
}

// batchSink is where the job's final batches go.
type batchSink interface {
	Write(b arrow.RecordBatch) error
	Flush() error
	Close() error
}

// buildJob turns a physical plan into a runnable job. Results go to out, written on their
// own goroutine (asyncSink) except for driven jobs (ManualJob), whose caller reads them
// synchronously.
func (s *Session) buildJob(plan *planner.Plan, out batchSink) (*Job, error) {
	return s.buildJobTo(plan, out, true)
}

func (s *Session) buildJobTo(plan *planner.Plan, out batchSink, async bool) (*Job, error) {
	job := &Job{Stats: &Stats{}}
	job.Stats.Watermark.Store(exec.MinWatermark)
	var ops []exec.Operator
	var build func(n planner.PhysNode) (*arrow.Schema, error)
	build = func(n planner.PhysNode) (*arrow.Schema, error) {
		switch x := n.(type) {
		case *planner.PhysSink:
			return build(x.Input)
		case *planner.PhysScan:
			return s.buildScan(job, x, &ops)
		case *planner.PhysCalc:
			in, err := build(x.Input)
			if err != nil {
				return nil, err
			}
			if x.Filter != nil {
				f, err := exec.NewFilter(in, x.Filter, s.mem)
				if err != nil {
					return nil, err
				}
				ops = append(ops, f)
			}
			if x.Exprs != nil {
				p, err := exec.NewProject(x.Exprs, x.Names, s.mem)
				if err != nil {
					return nil, err
				}
				ops = append(ops, p)
				return p.Schema(), nil
			}
			return in, nil
		case *planner.PhysWindowAssign:
			in, err := build(x.Input)
			if err != nil {
				return nil, err
			}
			wt := x.Props().Schema[len(x.Props().Schema)-1].Type
			op, err := exec.NewWindowAssign(in, x.Window, wt, s.mem)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op)
			return op.Schema(), nil
		case *planner.PhysWindowAggregate:
			in, err := build(x.Input)
			if err != nil {
				return nil, err
			}
			spec := x.Spec
			spec.ID = fmt.Sprintf("window-aggregate-%d", len(job.aggs)+1)
			late, err := s.lateHandler(job)
			if err != nil {
				return nil, err
			}
			if spec.Window.Kind == exec.Session {
				op, err := exec.NewSessionAggregate(in, spec, s.mem, late)
				if err != nil {
					return nil, err
				}
				ops = append(ops, op)
				job.aggs = append(job.aggs, sessionLate{op})
				return op.Schema(), nil
			}
			op, err := exec.NewWindowAggregate(in, spec, s.mem, late)
			if err != nil {
				return nil, err
			}
			ops = append(ops, op)
			job.aggs = append(job.aggs, windowLate{op})
			return op.Schema(), nil
		}
		return nil, fmt.Errorf("internal error: cannot execute %T", n)
	}
	if _, err := build(plan.Root); err != nil {
		for _, c := range job.closers {
			c() // side tables opened so far
		}
		return nil, err
	}
	if async {
		out = newAsyncSink(out)
	}
	stats := job.Stats
	sinkEmitter := exec.EmitFunc(func(m exec.Message) error {
		switch m.Kind {
		case exec.KindBatch:
			stats.RecordsOut.Add(m.Batch.NumRows())
			if err := out.Write(m.Batch); err != nil {
				return err
			}
			return out.Flush()
		case exec.KindWatermark:
			stats.Watermark.Store(m.Watermark)
		}
		return nil
	})
	job.chain = exec.NewChain(ops, sinkEmitter)
	job.closers = append(job.closers, out.Close)
	return job, nil
}

// buildScan creates the source and the scan's operators: computed columns, watermarks,
// the pushed-down filter and the output projection.
func (s *Session) buildScan(job *Job, x *planner.PhysScan, ops *[]exec.Operator) (*arrow.Schema, error) {
	t := x.Table
	if job.table == nil {
		job.table = t
		job.Name = t.Name
	}
	if t.Connector.NewSource == nil {
		return nil, fmt.Errorf("connector '%s' of table '%s' can only be written, not read", t.Connector.Name, t.Name)
	}
	needed := x.NeededCols()
	// Physical columns to decode, in table order.
	var read []int
	var fields []arrow.Field
	readPos := make([]int, len(t.Columns)) // full-row index -> column in the source batch
	for _, c := range needed {
		if t.Physical(c) {
			readPos[c] = len(read)
			read = append(read, c)
			fields = append(fields, arrow.Field{Name: t.Columns[c].Name, Type: t.Columns[c].Type, Nullable: true})
		}
	}
	srcSchema := arrow.NewSchema(fields, nil)
	var physicalNames []string
	for i, c := range t.Columns {
		if t.Physical(i) {
			physicalNames = append(physicalNames, c.Name)
		}
	}
	bad := s.badRecordHandler(t, job)
	src, err := t.Connector.NewSource(connectors.TableSpec{
		Name: t.Name, Schema: srcSchema, Columns: physicalNames, Options: s.resolvePaths(t.Options), BatchSize: s.BatchSize, BadRecords: bad, Mem: s.mem,
	})
	if err != nil {
		return nil, err // connectors name the table in their errors
	}
	job.source = src
	// Materialise the needed full-row columns (computed ones included), in table order.
	neededPos := make([]int, len(t.Columns)) // full-row index -> column after materialising
	hasComputed := false
	var exprs []expr.Expr
	var names []string
	for k, c := range needed {
		neededPos[c] = k
		col := t.Columns[c]
		if col.Computed != nil {
			hasComputed = true
			exprs = append(exprs, remapExpr(col.Computed, readPos))
		} else {
			exprs = append(exprs, &expr.Column{Index: readPos[c], Name: col.Name, T: col.Type})
		}
		names = append(names, col.Name)
	}
	cur := srcSchema
	if hasComputed {
		p, err := exec.NewProject(exprs, names, s.mem)
		if err != nil {
			return nil, err
		}
		*ops = append(*ops, p)
		cur = p.Schema()
	}
	if t.Watermark != nil {
		wa, err := exec.NewWatermarkAssigner(cur, remapExpr(t.Watermark, neededPos), s.mem)
		if err != nil {
			return nil, err
		}
		*ops = append(*ops, wa)
	}
	if x.Filter != nil {
		f, err := exec.NewFilter(cur, remapExpr(x.Filter, neededPos), s.mem)
		if err != nil {
			return nil, err
		}
		*ops = append(*ops, f)
	}
	identity := len(x.Cols) == len(needed)
	for i, c := range x.Cols {
		if identity && needed[i] != c {
			identity = false
		}
	}
	if !identity {
		var out []expr.Expr
		var outNames []string
		for _, c := range x.Cols {
			out = append(out, &expr.Column{Index: neededPos[c], Name: t.Columns[c].Name, T: t.Columns[c].Type})
			outNames = append(outNames, t.Columns[c].Name)
		}
		p, err := exec.NewProject(out, outNames, s.mem)
		if err != nil {
			return nil, err
		}
		*ops = append(*ops, p)
		return p.Schema(), nil
	}
	return cur, nil
}

// remapExpr renumbers the columns of e: column i becomes m[i].
func remapExpr(e expr.Expr, m []int) expr.Expr { return expr.RemapColumns(e, m) }

// Run reads the source to its end (or until ctx is cancelled) through the operators into
// the sink. The source decodes in its own goroutine; operators run in this one.
func (j *Job) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	msgs := make(chan exec.Message, 8)
	var srcErr error
	var wg sync.WaitGroup
	wg.Add(1)
	stats := j.Stats
	go func() {
		defer wg.Done()
		defer close(msgs)
		defer func() {
			if r := recover(); r != nil {
				srcErr = internalError("source of "+j.Name, r)
			}
		}()
		srcErr = j.source.Run(ctx, exec.EmitFunc(func(m exec.Message) error {
			if m.Kind == exec.KindBatch {
				m.Batch.Retain()
				stats.RecordsIn.Add(m.Batch.NumRows())
			}
			select {
			case msgs <- m:
				return nil
			case <-ctx.Done():
				if m.Kind == exec.KindBatch {
					m.Batch.Release()
				}
				return ctx.Err()
			}
		}))
	}()
	var opErr error
	ended := false
	for m := range msgs {
		if opErr == nil {
			opErr = j.emit(m)
			if m.Kind == exec.KindEnd {
				ended = true
			}
			if opErr != nil {
				cancel()
			}
		}
		if m.Kind == exec.KindBatch {
			m.Batch.Release()
		}
		j.updateLate()
	}
	wg.Wait()
	closeErr := j.close()
	switch {
	case parent.Err() != nil && opErr == nil:
		return parent.Err() // stopped by the user (Ctrl-C) or the caller
	case opErr != nil:
		return opErr
	case srcErr != nil && !errors.Is(srcErr, context.Canceled):
		return srcErr
	case !ended && srcErr == nil && ctx.Err() == nil:
		return fmt.Errorf("internal error: source of %s stopped without end of input", j.Name)
	}
	return closeErr
}

// emit pushes m through the operators; a panic in one is an internal error of the job.
func (j *Job) emit(m exec.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError("an operator of "+j.Name, r)
		}
	}()
	return j.chain.Emit(m)
}

func (j *Job) updateLate() {
	var n, p int64
	for _, a := range j.aggs {
		n += a.lateDropped()
		p += a.partlyLate()
	}
	j.Stats.Late.Store(n)
	j.Stats.PartlyLate.Store(p)
}

func (j *Job) close() error {
	var first error
	if err := j.chain.Close(); err != nil {
		first = err
	}
	for _, c := range j.closers {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var _ = memory.DefaultAllocator
