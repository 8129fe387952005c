package exec

import (
	"container/heap"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WindowAggSpec configures a windowed aggregation: GROUP BY window_start, window_end, Keys
// over a window TVF (or a legacy group window).
//
// Output columns: the Keys (in order), window_start, window_end, window_time, then one
// column per aggregate. The result is append-only: one row per window and key, emitted
// once the watermark reaches window_end - 1 ms.
type WindowAggSpec struct {
	ID     string
	Window WindowSpec
	Keys   []int
	Aggs   []AggSpec
	// WindowTimeType is the type of window_start/window_end/window_time (TIMESTAMP(3), or
	// TIMESTAMP_LTZ(3) over an LTZ time attribute).
	WindowTimeType arrow.DataType
}

// LateHandler receives the rows an operator dropped as late: rows of b (its input batch)
// together with the watermark each was late against. It must not keep b.
type LateHandler interface {
	Late(op string, b arrow.RecordBatch, rows []int, watermarks []int64) error
}

// WindowOutputSchema is the output schema of a windowed aggregation.
func WindowOutputSchema(input *arrow.Schema, spec WindowAggSpec) *arrow.Schema {
	var fields []arrow.Field
	for _, k := range spec.Keys {
		f := input.Field(k)
		f.Nullable = true
		fields = append(fields, f)
	}
	wt := spec.WindowTimeType
	if wt == nil {
		wt = &arrow.TimestampType{Unit: arrow.Millisecond}
	}
	fields = append(fields,
		arrow.Field{Name: "window_start", Type: wt},
		arrow.Field{Name: "window_end", Type: wt},
		arrow.Field{Name: "window_time", Type: wt})
	for _, a := range spec.Aggs {
		fields = append(fields, arrow.Field{Name: a.Name, Type: a.Type, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// WindowAggregate is the operator for TUMBLE, HOP and CUMULATE aggregations. Groups are
// keyed by (window end, keys); a window's start follows from its end for these kinds.
// Group state lives in per-aggregate vectors indexed by group id; ids of fired windows
// are reused.
type WindowAggregate struct {
	spec   WindowAggSpec
	input  *arrow.Schema
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler

	keys     *keyCodec
	aggs     *aggSet
	groups   map[string]int32
	groupKey []string // group id -> key bytes (end + keys)
	free     []int32
	windows  map[int64]*pendingWindow // by window end
	ends     endHeap
	wm       int64

	// LateRecordsDropped counts records dropped from every window they belonged to.
	LateRecordsDropped int64

	scratchGroups []int32
	scratchKey    []byte
	lateRows      []int
	lateWMs       []int64
}

type pendingWindow struct {
	start  int64
	groups []int32
}

// NewWindowAggregate builds the operator; late may be nil.
func NewWindowAggregate(input *arrow.Schema, spec WindowAggSpec, mem memory.Allocator, late LateHandler) (*WindowAggregate, error) {
	if spec.Window.Kind == Session {
		return nil, fmt.Errorf("exec: NewWindowAggregate: use NewSessionAggregate for SESSION windows")
	}
	if err := spec.Window.Validate(); err != nil {
		return nil, err
	}
	var kt []arrow.DataType
	for _, k := range spec.Keys {
		kt = append(kt, input.Field(k).Type)
	}
	kc, err := newKeyCodec(kt)
	if err != nil {
		return nil, err
	}
	as, err := newAggSet(spec.Aggs, input)
	if err != nil {
		return nil, err
	}
	return &WindowAggregate{
		spec: spec, input: input, schema: WindowOutputSchema(input, spec), mem: mem, late: late,
		keys: kc, aggs: as, groups: map[string]int32{}, windows: map[int64]*pendingWindow{}, wm: MinWatermark,
	}, nil
}

func (w *WindowAggregate) Schema() *arrow.Schema { return w.schema }
func (w *WindowAggregate) StateID() string       { return w.spec.ID }

func (w *WindowAggregate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		return w.processBatch(m)
	case KindWatermark:
		if m.Watermark <= w.wm {
			return nil
		}
		w.wm = m.Watermark
		if err := w.fire(out); err != nil {
			return err
		}
		return out.Emit(m)
	default:
		if w.wm != MaxWatermark {
			w.wm = MaxWatermark
			if err := w.fire(out); err != nil {
				return err
			}
			if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
				return err
			}
		}
		return out.Emit(m)
	}
}

func (w *WindowAggregate) groupID(key []byte, end, start int64) int32 {
	if g, ok := w.groups[string(key)]; ok {
		return g
	}
	var g int32
	if n := len(w.free); n > 0 {
		g = w.free[n-1]
		w.free = w.free[:n-1]
		w.groupKey[g] = string(key)
	} else {
		g = int32(len(w.groupKey))
		w.groupKey = append(w.groupKey, string(key))
		w.aggs.grow(len(w.groupKey))
	}
	w.aggs.reset(g)
	w.groups[w.groupKey[g]] = g
	pw := w.windows[end]
	if pw == nil {
		pw = &pendingWindow{start: start}
		w.windows[end] = pw
		heap.Push(&w.ends, end)
	}
	pw.groups = append(pw.groups, g)
	return g
}

func (w *WindowAggregate) processBatch(m Message) error {
	b := m.Batch
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	tcol := b.Column(w.spec.Window.TimeCol)
	ts := int64s(tcol, nil)
	keyCols := make([]arrow.Array, len(w.spec.Keys))
	for i, k := range w.spec.Keys {
		keyCols[i] = b.Column(k)
	}
	groups := growTo(w.scratchGroups[:0], n)
	w.scratchGroups = groups
	// placed[i] records whether row i went into at least one window.
	placed := make([]bool, n)
	passes := w.spec.Window.Passes()
	for pass := 0; pass < passes; pass++ {
		for i := 0; i < n; i++ {
			groups[i] = -1
			if tcol.IsNull(i) {
				continue
			}
			start, end, ok := w.spec.Window.Window(ts[i], pass)
			if !ok {
				continue
			}
			rowWM := w.wm
			if m.RowWatermarks != nil {
				rowWM = m.RowWatermarks[i]
			}
			if end-1 <= rowWM {
				continue // late for this window
			}
			key := binary.LittleEndian.AppendUint64(w.scratchKey[:0], uint64(end))
			for _, kc := range keyCols {
				key = appendValue(key, kc, i)
			}
			w.scratchKey = key
			groups[i] = w.groupID(key, end, start)
			placed[i] = true
		}
		w.aggs.update(b, groups)
	}
	w.lateRows, w.lateWMs = w.lateRows[:0], w.lateWMs[:0]
	for i := 0; i < n; i++ {
		if !placed[i] && !tcol.IsNull(i) {
			w.LateRecordsDropped++
			rowWM := w.wm
			if m.RowWatermarks != nil {
				rowWM = m.RowWatermarks[i]
			}
			w.lateRows = append(w.lateRows, i)
			w.lateWMs = append(w.lateWMs, rowWM)
		}
	}
	if len(w.lateRows) > 0 && w.late != nil {
		return w.late.Late(w.spec.ID, b, w.lateRows, w.lateWMs)
	}
	return nil
}

// fire emits every window whose end - 1 <= the watermark, in order of window end.
func (w *WindowAggregate) fire(out Emitter) error {
	if len(w.ends) == 0 || w.ends[0]-1 > w.wm {
		return nil
	}
	bld := array.NewRecordBuilder(w.mem, w.schema)
	defer bld.Release()
	nk := len(w.spec.Keys)
	keyB := bld.Fields()[:nk]
	aggB := bld.Fields()[nk+3:]
	rows := 0
	for len(w.ends) > 0 && w.ends[0]-1 <= w.wm {
		end := heap.Pop(&w.ends).(int64)
		pw := w.windows[end]
		delete(w.windows, end)
		for _, g := range pw.groups {
			key := w.groupKey[g]
			w.keys.decodeInto([]byte(key[8:]), keyB)
			appendInt64(bld.Field(nk), pw.start)
			appendInt64(bld.Field(nk+1), end)
			appendInt64(bld.Field(nk+2), end-1)
			w.aggs.emit(aggB, g)
			delete(w.groups, key)
			w.free = append(w.free, g)
			rows++
		}
	}
	if rows == 0 {
		return nil
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	return out.Emit(BatchMessage(rec, nil))
}

func (w *WindowAggregate) Close() error { return nil }

type endHeap []int64

func (h endHeap) Len() int           { return len(h) }
func (h endHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h endHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
