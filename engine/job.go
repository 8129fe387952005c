package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/planner"
)

// Job is one running pipeline: sources, a tree of operators and a sink. Each source feeds a
// line of operators; a join joins two lines; the root's output goes to the sink.
type Job struct {
	Name string
	// Pipeline names the job within its script (insert-into-<table>, select): its
	// checkpoint subfolder.
	Pipeline string
	Started  time.Time
	sources  []jobSource
	ops      []any // every exec.Operator and exec.BinaryOperator, in build order
	aggs     []lateCounter
	table    *planner.Table // the first table scanned (its late.sink takes late rows)
	Stats    *Stats
	closers  []func() error
	ended    bool // the root emitted KindEnd
	shared   *connectors.JobShared
	// badSplits counts bad records per source partition.
	badSplits splitCounts
	// opIDs[i] is the stable id of ops[i] (see addOp); building is the stack of plan nodes
	// being built, whose top owns the operators created.
	opIDs    []string
	opDescs  []string
	building []planner.PhysNode
	// out is the batch sink at the root (an asyncSink for jobs that run on their own);
	// sinks are the table sinks that take part in checkpoints.
	out   batchSink
	sinks []namedSink
	// positions[i] is the position of source i after the last message processed;
	// resumedAt[i] the encoded position it was restored at (until it reads on).
	positions []any
	resumedAt [][]byte
	// procTime are the operators of processing-time windows, advanced by a timer.
	procTime []*exec.ProcTimeWatermarks
	ckpt     *checkpointer
}

// addOp adds an operator of the plan node being built, with a stable id: the operator's
// kind and a digest of the plan subtree it computes, so that a changed query keeps the
// ids of the parts that did not change and checkpoint state maps by id.
func (j *Job) addOp(op any) {
	node := j.building[len(j.building)-1]
	tree := planner.Explain(node)
	sum := sha256.Sum256([]byte(planDigest(node)))
	kind := fmt.Sprintf("%T", op)
	kind = kind[strings.LastIndex(kind, ".")+1:]
	id := fmt.Sprintf("%s-%x", kind, sum[:5])
	for n := 2; slices.Contains(j.opIDs, id); n++ {
		id = fmt.Sprintf("%s-%x-%d", kind, sum[:5], n)
	}
	j.ops = append(j.ops, op)
	if pt, ok := op.(*exec.ProcTimeWatermarks); ok {
		j.procTime = append(j.procTime, pt)
	}
	j.opIDs = append(j.opIDs, id)
	j.opDescs = append(j.opDescs, kind+" of "+strings.SplitN(tree, "\n", 2)[0])
}

// jobSource is one source with the entry of the operators it feeds.
type jobSource struct {
	table *planner.Table
	src   connectors.Source
	entry exec.Emitter
}

type lateCounter interface {
	lateDropped() int64
	partlyLate() int64
}

type windowLate struct{ op *exec.WindowAggregate }

func (w windowLate) lateDropped() int64 { return w.op.LateRecordsDropped }
func (w windowLate) partlyLate() int64  { return w.op.PartlyLateRecords }

// lateField reads an operator's LateRecordsDropped counter.
type lateField struct{ n *int64 }

func (l lateField) lateDropped() int64 { return *l.n }
func (l lateField) partlyLate() int64  { return 0 }

// Stats are a job's live counters, safe to read from another goroutine.
type Stats struct {
	RecordsIn  atomic.Int64
	RecordsOut atomic.Int64
	BadRecords atomic.Int64
	Late       atomic.Int64
	PartlyLate atomic.Int64 // late for some of their windows only (HOP, CUMULATE)
	Watermark  atomic.Int64
	// LookupErrors counts failed reloads of lookup tables (the last good version stays).
	LookupErrors atomic.Int64
}

// batchSink is where the job's final batches go.
type batchSink interface {
	// Write takes the rows of b with their kinds (nil: all inserts); it does not keep b.
	Write(b arrow.RecordBatch, kinds []exec.RowKind) error
	Flush() error
	Close() error
}

// buildJob turns a physical plan into a runnable job. Results go to out, written on their
// own goroutine (asyncSink) except for driven jobs (ManualJob), whose caller reads them
// synchronously.
func (s *Session) buildJob(plan *planner.Plan, out batchSink, shared *connectors.JobShared) (*Job, error) {
	return s.buildJobTo(plan, out, true, shared)
}

// buildJobTo builds the job; shared (nil: a fresh one) is what its sources and sinks share.
func (s *Session) buildJobTo(plan *planner.Plan, out batchSink, async bool, shared *connectors.JobShared) (*Job, error) {
	if shared == nil {
		shared = connectors.NewJobShared()
	}
	job := &Job{Stats: &Stats{}, shared: shared, Started: time.Now()}
	job.Stats.Watermark.Store(exec.MinWatermark)
	connect, err := s.buildNode(job, plan.Root)
	if err != nil {
		for _, c := range job.closers {
			c() // side tables opened so far
		}
		return nil, err
	}
	if async {
		out = newAsyncSink(out)
	}
	job.out = out
	stats := job.Stats
	connect(exec.EmitFunc(func(m exec.Message) error {
		switch m.Kind {
		case exec.KindBatch:
			stats.RecordsOut.Add(m.Batch.NumRows())
			if err := out.Write(m.Batch, m.Kinds); err != nil {
				return err
			}
			return out.Flush()
		case exec.KindWatermark:
			stats.Watermark.Store(m.Watermark)
		case exec.KindEnd:
			job.ended = true
		}
		return nil
	}))
	job.closers = append(job.closers, out.Close)
	return job, nil
}

// wire connects the output of a subtree of operators to an emitter; it is called once, when
// the consumer of that output has been built.
type wire func(out exec.Emitter)

// unary builds the operator of a one-input node over its built input.
func (s *Session) unary(job *Job, input planner.PhysNode, newOp func(in *arrow.Schema) (exec.Operator, error)) (*arrow.Schema, wire, error) {
	in, connect, err := s.build(job, input)
	if err != nil {
		return nil, nil, err
	}
	op, err := newOp(in)
	if err != nil {
		return nil, nil, err
	}
	job.addOp(op)
	return op.Schema(), func(out exec.Emitter) {
		connect(exec.EmitFunc(func(m exec.Message) error { return op.Process(m, out) }))
	}, nil
}

// binary builds a two-input operator over its built inputs.
func (s *Session) binary(job *Job, left, right planner.PhysNode, newOp func(l, r *arrow.Schema) (exec.BinaryOperator, error)) (*arrow.Schema, wire, error) {
	l, lc, err := s.build(job, left)
	if err != nil {
		return nil, nil, err
	}
	r, rc, err := s.build(job, right)
	if err != nil {
		return nil, nil, err
	}
	op, err := newOp(l, r)
	if err != nil {
		return nil, nil, err
	}
	job.addOp(op)
	return op.Schema(), func(out exec.Emitter) {
		lc(exec.EmitFunc(func(m exec.Message) error { return op.ProcessSide(0, m, out) }))
		rc(exec.EmitFunc(func(m exec.Message) error { return op.ProcessSide(1, m, out) }))
	}, nil
}

func (s *Session) buildNode(job *Job, n planner.PhysNode) (wire, error) {
	_, w, err := s.build(job, n)
	return w, err
}

// build turns the physical subtree n into operators; it returns the schema of their output
// and how to connect it.
func (s *Session) build(job *Job, n planner.PhysNode) (*arrow.Schema, wire, error) {
	job.building = append(job.building, n)
	defer func() { job.building = job.building[:len(job.building)-1] }()
	switch x := n.(type) {
	case *planner.PhysSink:
		return s.build(job, x.Input)
	case *planner.PhysScan:
		return s.buildScan(job, x)
	case *planner.PhysCalc:
		in, connect, err := s.build(job, x.Input)
		if err != nil {
			return nil, nil, err
		}
		var ops []exec.Operator
		if x.Filter != nil {
			f, err := exec.NewFilter(in, x.Filter, s.mem)
			if err != nil {
				return nil, nil, err
			}
			ops = append(ops, f)
		}
		if x.Exprs != nil {
			p, err := exec.NewProject(x.Exprs, x.Names, s.mem)
			if err != nil {
				return nil, nil, err
			}
			ops = append(ops, p)
			in = p.Schema()
		}
		return in, chainWire(job, ops, connect), nil
	case *planner.PhysProcTimeWatermark:
		return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
			return exec.NewProcTimeWatermarks(in, x.TimeCol), nil
		})
	case *planner.PhysWindowAssign:
		return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
			wt := x.Props().Schema[len(x.Props().Schema)-1].Type
			return exec.NewWindowAssign(in, x.Window, wt, s.mem)
		})
	case *planner.PhysWindowAggregate:
		return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
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
				job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
				return op, nil
			}
			op, err := exec.NewWindowAggregate(in, spec, s.mem, late)
			if err != nil {
				return nil, err
			}
			job.aggs = append(job.aggs, windowLate{op})
			return op, nil
		})
	}
	return s.buildMore(job, n)
}

// chainWire puts ops (one-input operators) in a line in front of connect's consumer.
func chainWire(job *Job, ops []exec.Operator, connect wire) wire {
	for _, op := range ops {
		job.addOp(op)
	}
	return func(out exec.Emitter) {
		for i := len(ops) - 1; i >= 0; i-- {
			op, next := ops[i], out
			out = exec.EmitFunc(func(m exec.Message) error { return op.Process(m, next) })
		}
		connect(out)
	}
}

// buildScan creates the source and the scan's operators: computed columns, watermarks,
// the pushed-down filter and the output projection.
func (s *Session) buildScan(job *Job, x *planner.PhysScan) (*arrow.Schema, wire, error) {
	var list []exec.Operator
	ops := &list
	t := x.Table
	if job.table == nil {
		job.table = t
		job.Name = t.Name
	}
	if t.Connector.NewSource == nil {
		return nil, nil, fmt.Errorf("connector '%s' of table '%s' can only be written, not read", t.Connector.Name, t.Name)
	}
	if err := s.checkPath(t); err != nil {
		return nil, nil, err
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
		if t.Written(i) {
			physicalNames = append(physicalNames, c.Name)
		}
	}
	var metadata map[int]string // source column -> metadata key
	for k, c := range read {
		if key := t.Columns[c].Metadata; key != "" {
			if metadata == nil {
				metadata = map[int]string{}
			}
			metadata[k] = key
		}
	}
	bad := s.badRecordHandler(t, job)
	src, err := t.Connector.NewSource(connectors.TableSpec{
		Name: t.Name, Schema: srcSchema, Columns: physicalNames, Metadata: metadata, Options: s.resolvePaths(t.Options), BatchSize: s.BatchSize, BadRecords: bad, Job: job.shared, Mem: s.mem,
	})
	if err != nil {
		return nil, nil, err // connectors name the table in their errors
	}
	entry := &job.sources
	idx := len(job.sources)
	job.sources = append(job.sources, jobSource{table: t, src: src})
	connectScan := func(out exec.Emitter) { (*entry)[idx].entry = out }
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
			return nil, nil, err
		}
		*ops = append(*ops, p)
		cur = p.Schema()
	}
	if t.Watermark != nil {
		wa, err := exec.NewWatermarkAssigner(cur, remapExpr(t.Watermark, neededPos), s.mem)
		if err != nil {
			return nil, nil, err
		}
		*ops = append(*ops, wa)
	} else {
		*ops = append(*ops, exec.NewSplitInfoDrop(cur))
	}
	if x.Filter != nil {
		f, err := exec.NewFilter(cur, remapExpr(x.Filter, neededPos), s.mem)
		if err != nil {
			return nil, nil, err
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
			return nil, nil, err
		}
		*ops = append(*ops, p)
		cur = p.Schema()
	}
	return cur, chainWire(job, list, connectScan), nil
}

// planDigest describes a plan subtree for operator ids: every node's description, except
// that a scan is named by its table and watermark only, so that reading more columns of a
// table keeps the ids of the operators that do not use them.
func planDigest(n planner.PhysNode) string {
	var b strings.Builder
	var walk func(planner.PhysNode, int)
	walk = func(n planner.PhysNode, depth int) {
		if sc, ok := n.(*planner.PhysScan); ok {
			fmt.Fprintf(&b, "%d scan %s", depth, sc.Table.Name)
			if sc.Table.Watermark != nil {
				fmt.Fprintf(&b, " watermark %s", sc.Table.Watermark)
			}
			b.WriteByte('\n')
			return
		}
		fmt.Fprintf(&b, "%d %s\n", depth, n.Describe())
		for _, in := range n.Inputs() {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// remapExpr renumbers the columns of e: column i becomes m[i].
func remapExpr(e expr.Expr, m []int) expr.Expr { return expr.RemapColumns(e, m) }

// sourceMessage is a message of source Source.
type sourceMessage struct {
	source int
	m      exec.Message
}

// Run reads the sources to their end (or until ctx is cancelled) through the operators into
// the sink. Each source decodes in its own goroutine; operators run in this one.
func (j *Job) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if len(j.positions) != len(j.sources) {
		j.positions = make([]any, len(j.sources))
	}
	msgs := make(chan sourceMessage, 8)
	srcErrs := make([]error, len(j.sources))
	var wg sync.WaitGroup
	stats := j.Stats
	for i, js := range j.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					srcErrs[i] = internalError("source of "+js.table.Name, r)
				}
			}()
			srcErrs[i] = js.src.Run(ctx, exec.EmitFunc(func(m exec.Message) error {
				if m.Kind == exec.KindBatch {
					m.Batch.Retain()
					stats.RecordsIn.Add(m.Batch.NumRows())
				}
				select {
				case msgs <- sourceMessage{i, m}:
					return nil
				case <-ctx.Done():
					if m.Kind == exec.KindBatch {
						m.Batch.Release()
					}
					return ctx.Err()
				}
			}))
		}()
	}
	go func() {
		wg.Wait()
		close(msgs)
	}()
	var tick <-chan time.Time
	var requests chan savepointRequest
	if j.ckpt != nil {
		defer close(j.ckpt.stopped)
		requests = j.ckpt.requests
		if j.ckpt.cfg.Interval > 0 {
			t := time.NewTicker(j.ckpt.cfg.Interval)
			defer t.Stop()
			tick = t.C
		}
	}
	var clock <-chan time.Time
	if len(j.procTime) > 0 {
		t := time.NewTicker(procTimeTick)
		defer t.Stop()
		clock = t.C
	}
	var opErr error
loop:
	for {
		select {
		case now := <-clock:
			if opErr == nil {
				if opErr = j.advanceProcTime(now); opErr != nil {
					cancel()
				}
			}
		case sm, ok := <-msgs:
			if !ok {
				break loop
			}
			if opErr == nil {
				opErr = j.emit(sm.source, sm.m)
				if opErr != nil {
					cancel()
				}
				if sm.m.Position != nil {
					j.positions[sm.source] = sm.m.Position
				}
			}
			if sm.m.Kind == exec.KindBatch {
				sm.m.Batch.Release()
			}
			j.updateLate()
		case <-tick:
			if opErr == nil && !j.ended {
				if _, err := j.checkpoint("checkpoint", ""); err != nil && !j.ckpt.failedOnly(err) {
					opErr = err
					cancel()
				}
			}
		case req := <-requests:
			if opErr != nil || j.ended {
				req.reply <- savepointReply{err: errors.New("the job is not running")}
				continue
			}
			info, err := j.checkpoint("savepoint", req.path)
			req.reply <- savepointReply{info, err}
			if err != nil && !j.ckpt.failedOnly(err) {
				opErr = err
				cancel()
			}
		}
	}
	// A graceful stop or the end of the input: checkpoint what was processed, so that
	// the output up to here is committed and a restart starts after it.
	if j.ckpt != nil && opErr == nil && (j.ended || parent.Err() != nil) {
		if _, err := j.finalCheckpoint(); err != nil && !j.ckpt.failedOnly(err) {
			opErr = err
		}
	}
	closeErr := j.close()
	var srcErr error
	for _, err := range srcErrs {
		if err != nil && !errors.Is(err, context.Canceled) {
			srcErr = err
			break
		}
	}
	switch {
	case parent.Err() != nil && opErr == nil:
		return parent.Err() // stopped by the user (Ctrl-C) or the caller
	case opErr != nil:
		return opErr
	case srcErr != nil:
		return srcErr
	case !j.ended && ctx.Err() == nil:
		return fmt.Errorf("internal error: a source of %s stopped without end of input", j.Name)
	}
	return closeErr
}

// procTimeTick is how often processing-time windows look at the wall clock.
const procTimeTick = 100 * time.Millisecond

// advanceProcTime moves the processing-time watermarks to now; a panic in an operator is
// an internal error of the job.
func (j *Job) advanceProcTime(now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError("an operator of "+j.Name, r)
		}
	}()
	for _, p := range j.procTime {
		if err := p.Advance(now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// emit pushes m from source i through the operators; a panic in one is an internal error
// of the job.
func (j *Job) emit(i int, m exec.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError("an operator of "+j.Name, r)
		}
	}()
	return j.sources[i].entry.Emit(m)
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
	for _, op := range j.ops {
		if err := op.(interface{ Close() error }).Close(); err != nil && first == nil {
			first = err
		}
	}
	for _, c := range j.closers {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
