package exec

import (
	"container/heap"
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

// WindowAggregate is the operator for TUMBLE, HOP and CUMULATE aggregations. Each pending
// window (identified by its end: a window's start follows from its end for these kinds)
// has its own key -> group id map, so firing a window drops its map whole. Group state lives
// in per-aggregate vectors indexed by group id; ids of fired windows are reused.
//
// A single integer key (the most common GROUP BY) is hashed as an int64; other keys are
// encoded to bytes (keyCodec).
type WindowAggregate struct {
	spec   WindowAggSpec
	input  *arrow.Schema
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler

	keys   *keyCodec
	intKey bool // exactly one integer-like key column
	aggs   *aggSet
	// Per group id: its key (bytes, or the int64 and a NULL flag).
	groupKey  []string
	groupInt  []int64
	groupNull []bool
	nGroups   int
	free      []int32
	windows   map[int64]*pendingWindow // by window end
	ends      endHeap
	// spare are index tables of fired windows, kept for reuse; sizeHint is the most groups
	// a window has had, to size new indexes without growing them.
	spare    []*intTable
	sizeHint int
	wm       int64

	// LateRecordsDropped counts records dropped from every window they belonged to.
	LateRecordsDropped int64
	// PartlyLateRecords counts records (HOP, CUMULATE) that were late for some of their
	// windows and counted in the others; as in Flink they are not late records.
	PartlyLateRecords int64

	scratchGroups []int32
	scratchKey    []byte
	scratchInts   []int64
	placed        []bool
	lates         lateRows
}

type pendingWindow struct {
	start     int64
	groups    []int32
	byKey     map[string]int32
	byInt     *intTable
	nullGroup int32 // group of the NULL key in intKey mode, -1 when none
}

// NewWindowAggregate builds the operator; late may be nil.
func NewWindowAggregate(input *arrow.Schema, spec WindowAggSpec, mem memory.Allocator, late LateHandler) (*WindowAggregate, error) {
	if spec.Window.Kind == Session {
		return nil, fmt.Errorf("exec: NewWindowAggregate: use NewSessionAggregate for SESSION windows")
	}
	kc, as, err := newWindowState(input, spec)
	if err != nil {
		return nil, err
	}
	kt := kc.types
	return &WindowAggregate{
		spec: spec, input: input, schema: WindowOutputSchema(input, spec), mem: mem, late: late,
		keys: kc, intKey: len(kt) == 1 && isIntLike(kt[0]), aggs: as, windows: map[int64]*pendingWindow{}, wm: MinWatermark,
	}, nil
}

func (w *WindowAggregate) Schema() *arrow.Schema { return w.schema }
func (w *WindowAggregate) StateID() string       { return w.spec.ID }

func (w *WindowAggregate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		return w.processBatch(m)
	default:
		return processWatermark(m, &w.wm, w.fire, out)
	}
}

// window returns the pending window ending at end, creating it.
func (w *WindowAggregate) window(end, start int64) *pendingWindow {
	pw := w.windows[end]
	if pw == nil {
		pw = &pendingWindow{start: start, nullGroup: -1}
		if w.intKey {
			if n := len(w.spare); n > 0 {
				pw.byInt, w.spare = w.spare[n-1], w.spare[:n-1]
			} else {
				pw.byInt = newIntTable(w.sizeHint)
			}
		} else {
			pw.byKey = make(map[string]int32, w.sizeHint)
		}
		w.windows[end] = pw
		heap.Push(&w.ends, end)
	}
	return pw
}

// newGroup takes a free group id (or a new one) for pw and resets its state.
func (w *WindowAggregate) newGroup(pw *pendingWindow) int32 {
	var g int32
	if n := len(w.free); n > 0 {
		g = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		g = int32(w.nGroups)
		w.nGroups++
		w.groupKey = growTo(w.groupKey, w.nGroups)
		w.groupInt = growTo(w.groupInt, w.nGroups)
		w.groupNull = growTo(w.groupNull, w.nGroups)
		w.aggs.grow(w.nGroups)
	}
	w.aggs.reset(g)
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
	var ints []int64
	if w.intKey {
		ints = int64s(keyCols[0], w.scratchInts)
		w.scratchInts = ints[:0]
	}
	groups := growTo(w.scratchGroups[:0], n)
	w.scratchGroups = groups
	placed := growTo(w.placed[:0], n)
	w.placed = placed
	clear(placed)
	var partly []bool
	if w.spec.Window.Passes() > 1 {
		partly = make([]bool, n)
	}
	tNulls := tcol.NullN() > 0
	var lastEnd int64
	var pw *pendingWindow
	passes := w.spec.Window.Passes()
	for pass := 0; pass < passes; pass++ {
		for i := 0; i < n; i++ {
			groups[i] = -1
			if tNulls && tcol.IsNull(i) {
				continue
			}
			start, end, ok := w.spec.Window.Window(ts[i], pass)
			if !ok {
				continue // not in a pass-th window
			}
			if end-1 <= rowWatermark(m, i, w.wm) {
				if passes > 1 {
					partly[i] = true
				}
				continue // late for this window
			}
			if pw == nil || end != lastEnd {
				pw, lastEnd = w.window(end, start), end
			}
			var g int32
			switch {
			case w.intKey && keyCols[0].IsNull(i):
				if pw.nullGroup < 0 {
					pw.nullGroup = w.newGroup(pw)
					w.groupNull[pw.nullGroup] = true
				}
				g = pw.nullGroup
			case w.intKey:
				if g = pw.byInt.get(ints[i]); g < 0 {
					g = w.newGroup(pw)
					pw.byInt.put(ints[i], g)
					w.groupInt[g], w.groupNull[g] = ints[i], false
				}
			default:
				key := w.scratchKey[:0]
				for _, kc := range keyCols {
					key = appendValue(key, kc, i)
				}
				w.scratchKey = key
				var found bool
				if g, found = pw.byKey[string(key)]; !found {
					g = w.newGroup(pw)
					w.groupKey[g] = string(key)
					pw.byKey[w.groupKey[g]] = g
				}
			}
			groups[i] = g
			placed[i] = true
		}
		w.aggs.update(b, groups)
	}
	w.lates.reset()
	for i := 0; i < n; i++ {
		if placed[i] {
			if partly != nil && partly[i] {
				w.PartlyLateRecords++
			}
			continue
		}
		// Dropped from every window: late, or without an event time (reported with the
		// watermark MinWatermark, which no late record can have).
		if tNulls && tcol.IsNull(i) {
			w.lates.add(i, MinWatermark)
		} else {
			w.lates.add(i, rowWatermark(m, i, w.wm))
		}
	}
	return w.lates.flush(w.spec.ID, b, w.late, &w.LateRecordsDropped)
}

// fire emits every window whose end - 1 <= the watermark, in order of window end, and
// within a window in order of first arrival of its keys. Columns are built whole.
func (w *WindowAggregate) fire(out Emitter) error {
	if len(w.ends) == 0 || w.ends[0]-1 > w.wm {
		return nil
	}
	var gs []int32
	var starts, ends []arrow.Timestamp
	for len(w.ends) > 0 && w.ends[0]-1 <= w.wm {
		end := heap.Pop(&w.ends).(int64)
		pw := w.windows[end]
		delete(w.windows, end)
		gs = append(gs, pw.groups...)
		w.sizeHint = max(w.sizeHint, len(pw.groups))
		if pw.byInt != nil && len(w.spare) < 4 {
			pw.byInt.reset()
			w.spare = append(w.spare, pw.byInt)
		}
		for range pw.groups {
			starts = append(starts, arrow.Timestamp(pw.start))
			ends = append(ends, arrow.Timestamp(end))
		}
	}
	if len(gs) == 0 {
		return nil
	}
	bld := array.NewRecordBuilder(w.mem, w.schema)
	defer bld.Release()
	nk := len(w.spec.Keys)
	keyB := bld.Fields()[:nk]
	if nk == 0 {
		// No key columns: one group per window.
	} else if ib, ok := keyB[0].(*array.Int64Builder); ok && w.intKey {
		vals := make([]int64, len(gs))
		valid := make([]bool, len(gs))
		for i, g := range gs {
			vals[i], valid[i] = w.groupInt[g], !w.groupNull[g]
		}
		ib.AppendValues(vals, valid)
	} else {
		for _, g := range gs {
			switch {
			case w.intKey && w.groupNull[g]:
				keyB[0].AppendNull()
			case w.intKey:
				appendInt64(keyB[0], w.groupInt[g])
			default:
				w.keys.decodeInto([]byte(w.groupKey[g]), keyB)
			}
		}
	}
	if !w.intKey {
		for _, g := range gs {
			w.groupKey[g] = ""
		}
	}
	times := make([]arrow.Timestamp, len(ends))
	for i, e := range ends {
		times[i] = e - 1
	}
	bld.Field(nk).(*array.TimestampBuilder).AppendValues(starts, nil)
	bld.Field(nk+1).(*array.TimestampBuilder).AppendValues(ends, nil)
	bld.Field(nk+2).(*array.TimestampBuilder).AppendValues(times, nil)
	w.aggs.emitAll(bld.Fields()[nk+3:], gs)
	w.free = append(w.free, gs...)
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

// newWindowState validates a window aggregation and builds its key codec and aggregates.
func newWindowState(input *arrow.Schema, spec WindowAggSpec) (*keyCodec, *aggSet, error) {
	if err := spec.Window.Validate(); err != nil {
		return nil, nil, err
	}
	var kt []arrow.DataType
	for _, k := range spec.Keys {
		kt = append(kt, input.Field(k).Type)
	}
	kc, err := newKeyCodec(kt)
	if err != nil {
		return nil, nil, err
	}
	as, err := newAggSet(spec.Aggs, input)
	if err != nil {
		return nil, nil, err
	}
	return kc, as, nil
}
