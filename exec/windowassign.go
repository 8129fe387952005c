package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WindowAssign is a window TVF (TUMBLE, HOP, CUMULATE) whose output is not aggregated:
// every input row comes out once per window that contains it, with window_start,
// window_end and window_time appended. Rows are not dropped for lateness (Flink does the same
// for a bare window TVF); the output stays append-only and keeps the input's watermarks.
type WindowAssign struct {
	spec   WindowSpec
	schema *arrow.Schema
	mem    memory.Allocator
	ctx    context.Context
}

// NewWindowAssign builds the operator; wt is the type of the three window columns.
func NewWindowAssign(input *arrow.Schema, spec WindowSpec, wt arrow.DataType, mem memory.Allocator) (*WindowAssign, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	fields := append([]arrow.Field{}, input.Fields()...)
	fields = append(fields,
		arrow.Field{Name: "window_start", Type: wt},
		arrow.Field{Name: "window_end", Type: wt},
		arrow.Field{Name: "window_time", Type: wt})
	return &WindowAssign{spec: spec, schema: arrow.NewSchema(fields, nil), mem: mem,
		ctx: compute.WithAllocator(context.Background(), mem)}, nil
}

func (w *WindowAssign) Schema() *arrow.Schema { return w.schema }
func (w *WindowAssign) Close() error          { return nil }

func (w *WindowAssign) Process(m Message, out Emitter) error {
	if m.Kind != KindBatch {
		return out.Emit(m)
	}
	b := m.Batch
	n := int(b.NumRows())
	tcol := b.Column(w.spec.TimeCol)
	ts := int64s(tcol, nil)
	idx := array.NewInt32Builder(w.mem)
	defer idx.Release()
	wt := w.schema.Field(w.schema.NumFields() - 1).Type
	starts, ends, times := array.NewBuilder(w.mem, wt), array.NewBuilder(w.mem, wt), array.NewBuilder(w.mem, wt)
	defer starts.Release()
	defer ends.Release()
	defer times.Release()
	var rowWM []int64
	for i := 0; i < n; i++ {
		if tcol.IsNull(i) {
			continue
		}
		for pass := 0; pass < w.spec.Passes(); pass++ {
			s, e, ok := w.spec.Window(ts[i], pass)
			if !ok {
				continue
			}
			idx.Append(int32(i))
			appendInt64(starts, s)
			appendInt64(ends, e)
			appendInt64(times, e-1)
			if m.RowWatermarks != nil {
				rowWM = append(rowWM, m.RowWatermarks[i])
			}
		}
	}
	ia := idx.NewArray()
	defer ia.Release()
	if ia.Len() == 0 {
		return nil
	}
	cols := make([]arrow.Array, 0, w.schema.NumFields())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for _, c := range b.Columns() {
		t, err := compute.TakeArray(w.ctx, c, ia)
		if err != nil {
			return err
		}
		cols = append(cols, t)
	}
	cols = append(cols, starts.NewArray(), ends.NewArray(), times.NewArray())
	rec := array.NewRecordBatch(w.schema, cols, int64(ia.Len()))
	defer rec.Release()
	return out.Emit(BatchMessage(rec, rowWM))
}
