package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// WatermarkAssigner derives watermarks from a table's WATERMARK clause: after each row the
// watermark is max(previous, value of the watermark expression); it never goes back.
// It attaches to each batch the watermark just before each of its rows, and after the batch
// emits a KindWatermark when the watermark advanced. At end of input it emits MaxWatermark.
type WatermarkAssigner struct {
	schema *arrow.Schema
	eval   expr.Evaluator
	wm     int64
	sent   int64
	// splits, for a source with several partitions (KindSplits), are their watermarks;
	// the source's is their minimum over the active ones. Nil for one partition.
	splits []splitWatermark
}

// NewWatermarkAssigner evaluates wmExpr (a TIMESTAMP expression over the input) per row.
func NewWatermarkAssigner(input *arrow.Schema, wmExpr expr.Expr, mem memory.Allocator) (*WatermarkAssigner, error) {
	ev, err := expr.Compile(wmExpr, mem)
	if err != nil {
		return nil, err
	}
	return &WatermarkAssigner{schema: input, eval: ev, wm: MinWatermark, sent: MinWatermark}, nil
}

func (w *WatermarkAssigner) Schema() *arrow.Schema { return w.schema }
func (w *WatermarkAssigner) Close() error          { return nil }

// Current is the watermark after the last row seen.
func (w *WatermarkAssigner) Current() int64 { return w.wm }

func (w *WatermarkAssigner) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		vals, err := w.eval.Eval(m.Batch)
		if err != nil {
			return err
		}
		ts := int64s(vals, nil)
		n := int(m.Batch.NumRows())
		// A fresh slice per batch: downstream operators may hold it until they are done.
		rowWM := make([]int64, n)
		if w.splits != nil {
			w.splitRows(m.Split, vals, ts, rowWM)
		} else {
			cur := w.wm
			for i := 0; i < n; i++ {
				rowWM[i] = cur
				if vals.IsValid(i) && ts[i] > cur {
					cur = ts[i]
				}
			}
			w.wm = cur
		}
		vals.Release()
		if err := out.Emit(BatchMessage(m.Batch, rowWM)); err != nil {
			return err
		}
		return w.forward(out)
	case KindWatermark:
		// A source's own watermark (an idle source, a test driver) is a floor for the DDL's.
		if m.Watermark > w.wm {
			w.wm = m.Watermark
		}
		return w.forward(out)
	case KindSplits:
		// A source may announce more partitions later (Kinesis resharding adds child
		// shards): the new ones start at MinWatermark and hold the watermark until they
		// deliver or go idle. An announcement never removes partitions.
		w.growSplits(int(m.Split))
		return nil
	case KindIdle:
		if int(m.Split) < len(w.splits) && !w.splits[m.Split].idle {
			w.splits[m.Split].idle = true
			w.advance()
		}
		return w.forward(out)
	default:
		if w.sent != MaxWatermark {
			w.sent, w.wm = MaxWatermark, MaxWatermark
			if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
				return err
			}
		}
		return out.Emit(m)
	}
}

// splitWatermark is the watermark of one partition of a source with several.
type splitWatermark struct {
	wm   int64
	idle bool
}

// splitRows walks a batch of partition s: each row gets the source's watermark (the minimum
// over its active partitions) just before it; the row then raises its partition's.
func (w *WatermarkAssigner) splitRows(s int32, vals arrow.Array, ts, rowWM []int64) {
	w.growSplits(int(s) + 1) // a partition the source did not announce
	sp := &w.splits[s]
	if sp.idle {
		sp.idle = false
	}
	for i := range rowWM {
		rowWM[i] = w.wm
		if vals.IsValid(i) && ts[i] > sp.wm {
			sp.wm = ts[i]
			if ts[i] > w.wm {
				w.advance()
			}
		}
	}
}

// growSplits makes sure there are at least n partitions; new ones have seen nothing.
func (w *WatermarkAssigner) growSplits(n int) {
	for len(w.splits) < n {
		w.splits = append(w.splits, splitWatermark{wm: MinWatermark})
	}
}

// advance raises the watermark to the minimum over the active partitions, when that is
// higher; with every partition idle it stays.
func (w *WatermarkAssigner) advance() {
	lowest, any := MaxWatermark, false
	for _, sp := range w.splits {
		if !sp.idle {
			lowest, any = min(lowest, sp.wm), true
		}
	}
	if any && lowest > w.wm {
		w.wm = lowest
	}
}

// forward emits the watermark when it advanced.
func (w *WatermarkAssigner) forward(out Emitter) error {
	if w.wm > w.sent {
		w.sent = w.wm
		return out.Emit(WatermarkMessage(w.wm))
	}
	return nil
}

// Filter keeps the rows where its predicate is TRUE (NULL drops the row).
type Filter struct {
	schema *arrow.Schema
	pred   expr.Evaluator
	ctx    context.Context
}

func NewFilter(input *arrow.Schema, pred expr.Expr, mem memory.Allocator) (*Filter, error) {
	ev, err := expr.Compile(pred, mem)
	if err != nil {
		return nil, err
	}
	return &Filter{schema: input, pred: ev, ctx: compute.WithAllocator(context.Background(), mem)}, nil
}

func (f *Filter) Schema() *arrow.Schema { return f.schema }
func (f *Filter) Close() error          { return nil }

func (f *Filter) Process(m Message, out Emitter) error {
	if m.Kind != KindBatch {
		return out.Emit(m)
	}
	mask, err := f.pred.Eval(m.Batch)
	if err != nil {
		return err
	}
	defer mask.Release()
	bm := mask.(*array.Boolean)
	n := bm.Len()
	kept := 0
	for i := 0; i < n; i++ {
		if bm.IsValid(i) && bm.Value(i) {
			kept++
		}
	}
	switch kept {
	case 0:
		return nil
	case n:
		return out.Emit(m)
	}
	var rowWM []int64
	if m.RowWatermarks != nil {
		rowWM = make([]int64, 0, kept)
		for i := 0; i < n; i++ {
			if bm.IsValid(i) && bm.Value(i) {
				rowWM = append(rowWM, m.RowWatermarks[i])
			}
		}
	}
	var kinds []RowKind
	if m.Kinds != nil {
		kinds = make([]RowKind, 0, kept)
		for i := 0; i < n; i++ {
			if bm.IsValid(i) && bm.Value(i) {
				kinds = append(kinds, m.Kinds[i])
			}
		}
	}
	res, err := compute.FilterRecordBatch(f.ctx, m.Batch, mask, compute.DefaultFilterOptions())
	if err != nil {
		return err
	}
	defer res.Release()
	return out.Emit(Message{Kind: KindBatch, Batch: res, RowWatermarks: rowWM, Kinds: kinds})
}

// Project computes one output column per expression; rows are unchanged.
type Project struct {
	schema *arrow.Schema
	evals  []expr.Evaluator
	cols   []arrow.Array
}

// NewProject builds a projection; names gives the output column names.
func NewProject(exprs []expr.Expr, names []string, mem memory.Allocator) (*Project, error) {
	p := &Project{}
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		ev, err := expr.Compile(e, mem)
		if err != nil {
			return nil, err
		}
		p.evals = append(p.evals, ev)
		fields[i] = arrow.Field{Name: names[i], Type: e.Type(), Nullable: true}
	}
	p.schema = arrow.NewSchema(fields, nil)
	p.cols = make([]arrow.Array, len(exprs))
	return p, nil
}

func (p *Project) Schema() *arrow.Schema { return p.schema }
func (p *Project) Close() error          { return nil }

func (p *Project) Process(m Message, out Emitter) error {
	if m.Kind != KindBatch {
		return out.Emit(m)
	}
	for i, ev := range p.evals {
		c, err := ev.Eval(m.Batch)
		if err != nil {
			for _, done := range p.cols[:i] {
				done.Release()
			}
			return err
		}
		p.cols[i] = c
	}
	rec := array.NewRecordBatch(p.schema, p.cols, m.Batch.NumRows())
	for _, c := range p.cols {
		c.Release()
	}
	defer rec.Release()
	return out.Emit(Message{Kind: KindBatch, Batch: rec, RowWatermarks: m.RowWatermarks, Kinds: m.Kinds})
}

var (
	_ Operator = (*WatermarkAssigner)(nil)
	_ Operator = (*Filter)(nil)
	_ Operator = (*Project)(nil)
	_ Operator = (*WindowAggregate)(nil)
	_ Operator = (*SessionAggregate)(nil)
	_ Operator = (*WindowAssign)(nil)
)

// SplitInfoDrop swallows a partitioned source's KindSplits and KindIdle messages on a table
// without a WATERMARK (no WatermarkAssigner consumes them); everything else passes.
type SplitInfoDrop struct{ schema *arrow.Schema }

// NewSplitInfoDrop makes the operator for batches of schema.
func NewSplitInfoDrop(schema *arrow.Schema) *SplitInfoDrop { return &SplitInfoDrop{schema: schema} }

func (d *SplitInfoDrop) Schema() *arrow.Schema { return d.schema }
func (d *SplitInfoDrop) Close() error          { return nil }

func (d *SplitInfoDrop) Process(m Message, out Emitter) error {
	if m.IsSplitInfo() {
		return nil
	}
	return out.Emit(m)
}

// ProcTimeWatermarks gives processing-time windows (over a PROCTIME() column) their time:
// after each batch it emits a watermark just below the batch's largest processing time, and
// the job's timer calls Advance with the wall clock, so a window fires when its end has
// passed even while no row arrives. The event-time watermarks of its input are dropped
// (they do not drive these windows), and no row is late: PROCTIME() is read once per batch,
// on the job's goroutine, after the last Advance.
type ProcTimeWatermarks struct {
	schema *arrow.Schema
	col    int
	wm     int64
	out    Emitter // where Advance emits: the emitter of the last Process
}

// Advance moves the watermark to just below now (epoch ms, the wall clock), firing the
// windows that ended. It must be called on the goroutine that calls Process.
func (p *ProcTimeWatermarks) Advance(now int64) error {
	if p.out == nil || now-1 <= p.wm || p.wm == MaxWatermark {
		return nil
	}
	p.wm = now - 1
	return p.out.Emit(WatermarkMessage(p.wm))
}

// NewProcTimeWatermarks makes the operator for batches of schema whose column col holds
// the processing time.
func NewProcTimeWatermarks(schema *arrow.Schema, col int) *ProcTimeWatermarks {
	return &ProcTimeWatermarks{schema: schema, col: col, wm: MinWatermark}
}

func (p *ProcTimeWatermarks) Schema() *arrow.Schema { return p.schema }
func (p *ProcTimeWatermarks) Close() error          { return nil }

func (p *ProcTimeWatermarks) Process(m Message, out Emitter) error {
	p.out = out
	switch m.Kind {
	case KindBatch:
		m.RowWatermarks = nil
		if err := out.Emit(m); err != nil {
			return err
		}
		ts, ok := m.Batch.Column(p.col).(*array.Timestamp)
		if !ok {
			return nil
		}
		hi := p.wm
		for i := 0; i < ts.Len(); i++ {
			if ts.IsValid(i) && int64(ts.Value(i))-1 > hi {
				hi = int64(ts.Value(i)) - 1
			}
		}
		if hi > p.wm {
			p.wm = hi
			return out.Emit(WatermarkMessage(hi))
		}
		return nil
	case KindWatermark:
		return nil
	case KindEnd:
		if p.wm != MaxWatermark {
			p.wm = MaxWatermark
			if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
				return err
			}
		}
		return out.Emit(m)
	}
	return out.Emit(m)
}
