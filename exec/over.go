package exec

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// OverKind names the function of one OVER aggregate.
type OverKind uint8

const (
	// OverAgg is an aggregate function (OverAggSpec.Agg) over the frame.
	OverAgg OverKind = iota
	// OverLag is LAG(x, n, default): x of the row n rows before in the partition's order.
	OverLag
	// OverLead is LEAD(x, n, default): x of the row n rows after.
	OverLead
	// OverRowNumber is ROW_NUMBER(): the row's position in its partition, from 1.
	OverRowNumber
)

// OverFrame is the frame of an OVER aggregate, which always ends at the current row.
// Rows: ROWS BETWEEN Preceding PRECEDING AND CURRENT ROW (the current row and the
// Preceding rows before it). Otherwise RANGE BETWEEN INTERVAL Preceding (ms) PRECEDING
// AND CURRENT ROW: the rows with an event time in [ts - Preceding, ts], so rows with equal
// event times see each other. Preceding < 0 is UNBOUNDED PRECEDING.
type OverFrame struct {
	Rows      bool
	Preceding int64
}

// OverAggSpec is one OVER aggregate call.
type OverAggSpec struct {
	Kind OverKind
	// Agg is the aggregate of an OverAgg: COUNT(*), COUNT, SUM, AVG, MIN or MAX over
	// Agg.Arg, with Agg.Filter (-1: none) applied first. DISTINCT is not supported.
	Agg AggSpec
	// Arg is the argument column of LAG and LEAD.
	Arg int
	// Offset is LAG's and LEAD's n (>= 0), taken literally: 0 is the current row, so the
	// planner passes 1 for LAG(x).
	Offset int64
	// Default is the column holding LAG's and LEAD's default value (of the argument's
	// type), or -1 for NULL.
	Default int
	// Frame is the frame of an OverAgg; LAG, LEAD and ROW_NUMBER ignore it.
	Frame OverFrame
	// Name and Type name the output column. A nil Type is derived: Agg.Type or the
	// aggregate's result type, the argument's type for LAG and LEAD, BIGINT for
	// ROW_NUMBER.
	Name string
	Type arrow.DataType
}

// OverSpec configures an OVER aggregation ordered by an event-time attribute.
type OverSpec struct {
	ID            string
	PartitionKeys []int
	// TimeCol is the event-time column (TIMESTAMP, ms) of ORDER BY, ascending.
	TimeCol int
	Aggs    []OverAggSpec
}

// resultType is the output type of a: Type, else derived.
func (a OverAggSpec) resultType(input *arrow.Schema) (arrow.DataType, error) {
	if a.Type != nil {
		return a.Type, nil
	}
	switch a.Kind {
	case OverAgg:
		if a.Agg.Type != nil {
			return a.Agg.Type, nil
		}
		var arg arrow.DataType = arrow.PrimitiveTypes.Int64
		if a.Agg.Arg >= 0 && a.Agg.Arg < input.NumFields() {
			arg = input.Field(a.Agg.Arg).Type
		}
		return AggResultType(a.Agg.Kind, arg)
	case OverLag, OverLead:
		if a.Arg < 0 || a.Arg >= input.NumFields() {
			return nil, fmt.Errorf("exec: LAG/LEAD argument column %d is not a column of %s", a.Arg, input)
		}
		return input.Field(a.Arg).Type, nil
	case OverRowNumber:
		return arrow.PrimitiveTypes.Int64, nil
	}
	return nil, fmt.Errorf("exec: unknown OVER function kind %d", a.Kind)
}

func (a OverAggSpec) name() string {
	if a.Name == "" && a.Kind == OverAgg {
		return a.Agg.Name
	}
	return a.Name
}

// OverOutputSchema is the input's columns, then one column per aggregate.
func OverOutputSchema(input *arrow.Schema, spec OverSpec) *arrow.Schema {
	fields := append([]arrow.Field{}, input.Fields()...)
	for _, a := range spec.Aggs {
		t, err := a.resultType(input)
		if err != nil {
			t = arrow.Null
		}
		fields = append(fields, arrow.Field{Name: a.name(), Type: t, Nullable: a.Kind != OverRowNumber})
	}
	return arrow.NewSchema(fields, nil)
}

// OverAggregate is the OVER aggregation of an append-only input ordered by event time
// (Flink's RowTimeRowsBoundedPrecedingFunction, RowTimeRangeBoundedPrecedingFunction and
// their unbounded kin).
//
// A row is late when its event time <= its watermark: it is dropped, counted and handed to
// the LateHandler (so is a row with a NULL event time, with the watermark MinWatermark).
// Other rows wait in their partition until the watermark reaches their event time; then,
// partition by partition, in order of event time (ties: arrival), each row gets its
// aggregates: ROWS frames see the row and the n rows before it, RANGE frames every row of
// the partition with an event time in [ts - range, ts] (equal times see each other),
// UNBOUNDED frames every row so far; LAG the value n rows before, ROW_NUMBER the position.
// The row is emitted (+I), and after the rows it completes the watermark is forwarded.
//
// LEAD(x, n) needs the n rows after a row: the row (and the rows after it) waits until n
// later rows of its partition are released, or until End (then the default, or NULL). The
// forwarded watermark is held back below the earliest waiting row.
//
// State per partition is what the frames need: the rows of a bounded frame (a monotonic
// queue for MIN/MAX), running values of an unbounded one, the last n values for LAG, the
// rows waiting for LEAD, and the rows not yet released.
type OverAggregate struct {
	spec   OverSpec
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler
	rows   *RowCodec
	nIn    int

	fns     []overFn                            // per aggregate; nil for LEAD and ROW_NUMBER
	inOff   []int                               // per aggregate: offset of its inputs in a row's cells
	nCells  int                                 // input cells per row
	emitOut []func(b array.Builder, c overCell) // per aggregate: appends a result
	leads   []int                               // the LEAD aggregates
	maxLead int64                               // the largest LEAD offset

	parts   map[string]int32
	states  []*overPartition
	ready   timeHeap[int32]    // partitions with pending rows, by earliest pending time (may hold stale entries)
	waiting map[int32]struct{} // partitions with rows waiting for LEAD values
	wm      int64              // input watermark
	sentWM  int64              // last watermark forwarded
	seq     uint64
	round   uint64 // release rounds so far

	// LateRecordsDropped counts rows dropped as late or for a NULL event time.
	LateRecordsDropped int64

	lates   lateRows
	kept    []int
	keyBuf  []byte
	arena   []byte
	offs    []int
	inBuf   []overCell // input cells of the batch being buffered
	outBuf  []overCell // results of the peers being released
	peers   overPeers
	release []overRelease
}

// overRow is a row in OVER state (fields exported for gob). Its input cells (nCells, at
// inOff[k] for aggregate k) and, once released, its results (one per aggregate) are kept
// in slices parallel to the rows, so that a partition's state is a few contiguous slices.
type overRow struct {
	TS  int64
	Seq uint64
	Row string // RowCodec-encoded input row
}

// overPartition is the row state of one partition (fields exported for gob).
type overPartition struct {
	Key string
	// Pending rows wait for the watermark, sorted by (TS, Seq); PendingIn are their input
	// cells.
	Pending   []overRow
	PendingIn []overCell
	// Waiting rows are released and wait for LEAD values, in partition order, with their
	// input cells and results.
	Waiting    []overRow
	WaitingIn  []overCell
	WaitingOut []overCell
	// Released counts the partition's released rows: the next one's position.
	Released int64
	// round is the last release round that took the partition (not part of the state).
	round uint64
}

// overRelease is a partition with n pending rows to release.
type overRelease struct {
	p int32
	n int
}

// overPeers are released rows of one partition that share one event time, with their
// input cells and results.
type overPeers struct {
	rows      []overRow
	in        []overCell
	inStride  int
	out       []overCell
	outStride int
}

// input is input cell off of peer x.
func (g *overPeers) input(x, off int) overCell { return g.in[x*g.inStride+off] }

// setOut sets result k of peer x.
func (g *overPeers) setOut(x, k int, c overCell) { g.out[x*g.outStride+k] = c }

// overCell is one value of OVER state: an aggregate's input or result, or a LAG/LEAD
// value. Fields are exported for gob.
type overCell struct {
	Lo, Hi uint64 // integer-like and BOOLEAN (Lo), DOUBLE bits (Lo), DECIMAL (Hi, Lo)
	S      string // STRING, or a LAG/LEAD value in its RowCodec cell encoding
	Valid  bool   // false: NULL; for an aggregate input also a row FILTER drops
}

// NewOverAggregate builds the operator; late may be nil.
func NewOverAggregate(input *arrow.Schema, spec OverSpec, mem memory.Allocator, late LateHandler) (*OverAggregate, error) {
	if err := checkColumns(input, "PARTITION BY", spec.PartitionKeys); err != nil {
		return nil, fmt.Errorf("exec: OVER %s: %w", spec.ID, err)
	}
	if err := checkTimeColumn(input, "ORDER BY", spec.TimeCol); err != nil {
		return nil, fmt.Errorf("exec: OVER %s: %w", spec.ID, err)
	}
	o := &OverAggregate{spec: spec, schema: OverOutputSchema(input, spec), mem: mem, late: late,
		rows: SchemaRowCodec(input), nIn: input.NumFields(), parts: map[string]int32{},
		waiting: map[int32]struct{}{}, wm: MinWatermark, sentWM: MinWatermark}
	for k, a := range spec.Aggs {
		t, err := a.resultType(input)
		if err != nil {
			return nil, fmt.Errorf("exec: OVER %s, aggregate %d: %w", spec.ID, k, err)
		}
		o.inOff = append(o.inOff, o.nCells)
		var fn overFn
		var emit func(array.Builder, overCell)
		switch a.Kind {
		case OverAgg:
			fn, emit, err = newFrameFn(input, a, t)
			o.nCells++
		case OverLag, OverLead:
			emit, err = checkLagLead(input, a, t)
			if a.Kind == OverLag {
				fn = &lagFn{n: a.Offset}
			} else {
				o.leads = append(o.leads, k)
				o.maxLead = max(o.maxLead, a.Offset)
			}
			o.nCells += 2
		case OverRowNumber:
			if t.ID() != arrow.INT64 {
				err = fmt.Errorf("ROW_NUMBER has type BIGINT, not %s", t)
			}
			emit = emitOverInt
		default:
			err = fmt.Errorf("unknown OVER function kind %d", a.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("exec: OVER %s, aggregate %d: %w", spec.ID, k, err)
		}
		o.fns = append(o.fns, fn)
		o.emitOut = append(o.emitOut, emit)
	}
	return o, nil
}

// checkLagLead validates a LAG or LEAD call and returns its result emitter.
func checkLagLead(input *arrow.Schema, a OverAggSpec, t arrow.DataType) (func(array.Builder, overCell), error) {
	if err := checkColumns(input, "LAG/LEAD argument", []int{a.Arg}); err != nil {
		return nil, err
	}
	if a.Offset < 0 {
		return nil, fmt.Errorf("LAG/LEAD offset %d is negative", a.Offset)
	}
	at := input.Field(a.Arg).Type
	if !arrow.TypeEqual(at, t) {
		return nil, fmt.Errorf("LAG/LEAD of a %s argument cannot have type %s", at, t)
	}
	if a.Default >= 0 {
		if err := checkColumns(input, "LAG/LEAD default", []int{a.Default}); err != nil {
			return nil, err
		}
		if dt := input.Field(a.Default).Type; !arrow.TypeEqual(dt, t) {
			return nil, fmt.Errorf("LAG/LEAD default of type %s does not match the argument's type %s", dt, t)
		}
	}
	return func(b array.Builder, c overCell) {
		if !c.Valid {
			b.AppendNull()
			return
		}
		decodeCell(stringBytes(c.S), t, b)
	}, nil
}

// Schema implements Operator.
func (o *OverAggregate) Schema() *arrow.Schema { return o.schema }

// StateID implements Stateful.
func (o *OverAggregate) StateID() string { return o.spec.ID }

// Close implements Operator.
func (o *OverAggregate) Close() error { return nil }

// Process implements Operator.
func (o *OverAggregate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		if m.Batch.NumRows() == 0 {
			return nil
		}
		if err := checkAppendOnly("OVER", o.spec.ID, m); err != nil {
			return err
		}
		return o.buffer(m)
	case KindWatermark:
		if m.Watermark <= o.wm {
			return nil
		}
		o.wm = m.Watermark
		if err := o.releaseUpTo(o.wm, out); err != nil {
			return err
		}
		return o.forwardWatermark(out)
	default:
		if o.wm != MaxWatermark {
			o.wm = MaxWatermark
			if err := o.releaseUpTo(MaxWatermark, out); err != nil {
				return err
			}
		}
		if err := o.flushWaiting(out); err != nil {
			return err
		}
		if err := o.forwardWatermark(out); err != nil {
			return err
		}
		return out.Emit(m)
	}
}

// forwardWatermark forwards the input watermark, held back below the earliest row waiting
// for LEAD values, when it advances.
func (o *OverAggregate) forwardWatermark(out Emitter) error {
	wm := o.wm
	for p := range o.waiting {
		wm = min(wm, o.states[p].Waiting[0].TS-1)
	}
	if wm <= o.sentWM {
		return nil
	}
	o.sentWM = wm
	return out.Emit(WatermarkMessage(wm))
}

// buffer adds the batch's rows that are not late to their partitions' pending rows.
func (o *OverAggregate) buffer(m Message) error {
	b := m.Batch
	n := int(b.NumRows())
	tcol := b.Column(o.spec.TimeCol)
	ts := int64s(tcol, nil)
	o.lates.reset()
	o.kept = o.kept[:0]
	for i := 0; i < n; i++ {
		if o.lates.late(i, tcol.IsNull(i), ts[i], rowWatermark(m, i, o.wm)) {
			continue
		}
		o.kept = append(o.kept, i)
	}
	if len(o.kept) > 0 {
		o.bufferKept(b, ts)
	}
	return o.lates.flush(o.spec.ID, b, o.late, &o.LateRecordsDropped)
}

// bufferKept stores the rows o.kept of b. The encoded rows (and LAG/LEAD values) of one
// batch share one string, which lives until the watermark releases them.
func (o *OverAggregate) bufferKept(b arrow.RecordBatch, ts []int64) {
	kept := o.kept
	cols := b.Columns()
	// The encoded rows and LAG/LEAD values, in one string.
	o.arena, o.offs = o.arena[:0], o.offs[:0]
	for _, i := range kept {
		o.arena = o.rows.Append(o.arena, cols, i)
		o.offs = append(o.offs, len(o.arena))
	}
	in := growTo(o.inBuf[:0], len(kept)*o.nCells)
	o.inBuf = in
	clear(in)
	for k, a := range o.spec.Aggs {
		o.readInputs(b, a, in[o.inOff[k]:], kept)
	}
	arena := string(o.arena)
	for k, a := range o.spec.Aggs {
		if a.Kind != OverLag && a.Kind != OverLead {
			continue
		}
		for j := range kept {
			cs := in[j*o.nCells+o.inOff[k] : j*o.nCells+o.inOff[k]+2]
			for x := range cs {
				if cs[x].Valid {
					cs[x] = overCell{S: arena[cs[x].Lo : cs[x].Lo+cs[x].Hi], Valid: true}
				}
			}
		}
	}
	start := 0
	for j, i := range kept {
		o.keyBuf = o.rows.AppendBatch(o.keyBuf[:0], b, o.spec.PartitionKeys, i)
		p := o.partition(o.keyBuf)
		row := overRow{TS: ts[i], Seq: o.seq, Row: arena[start:o.offs[j]]}
		o.seq++
		start = o.offs[j]
		o.addPending(p, row, in[j*o.nCells:(j+1)*o.nCells])
	}
	clear(in) // drop references to the arena
}

// readInputs fills the inputs of aggregate a for the rows kept of b: cells[j*nCells] (and
// the next one for LAG/LEAD) for the j-th kept row.
func (o *OverAggregate) readInputs(b arrow.RecordBatch, a OverAggSpec, cells []overCell, kept []int) {
	switch a.Kind {
	case OverAgg:
		readAggInputs(b, a.Agg, cells, o.nCells, kept)
	case OverLag, OverLead:
		for j, i := range kept {
			cells[j*o.nCells] = o.encodeCell(b.Column(a.Arg), i)
			if a.Default >= 0 {
				cells[j*o.nCells+1] = o.encodeCell(b.Column(a.Default), i)
			}
		}
	}
}

// encodeCell appends the encoding of arr[i] to the arena and returns a cell with its
// offset (Lo) and length (Hi) there; bufferKept points S at it once the arena is a string.
func (o *OverAggregate) encodeCell(arr arrow.Array, i int) overCell {
	if arr.IsNull(i) {
		return overCell{}
	}
	at := len(o.arena)
	o.arena = appendCell(o.arena, arr, i)
	return overCell{Lo: uint64(at), Hi: uint64(len(o.arena) - at), Valid: true}
}

// readAggInputs fills the input cells of an aggregate: Valid when FILTER passes and the
// argument is not NULL (COUNT(*): when FILTER passes), with the argument's value.
func readAggInputs(b arrow.RecordBatch, agg AggSpec, cells []overCell, stride int, kept []int) {
	var filter *array.Boolean
	if agg.Filter >= 0 {
		filter = b.Column(agg.Filter).(*array.Boolean)
	}
	var arg arrow.Array
	if agg.Arg >= 0 {
		arg = b.Column(agg.Arg)
	}
	for j, i := range kept {
		cells[j*stride].Valid = (filter == nil || filter.IsValid(i) && filter.Value(i)) && (arg == nil || arg.IsValid(i))
	}
	if arg == nil || agg.Kind == AggCount || agg.Kind == AggCountStar {
		return
	}
	t := arg.DataType()
	switch {
	case isIntLike(t) || t.ID() == arrow.BOOL:
		vals := int64s(arg, nil)
		for j, i := range kept {
			cells[j*stride].Lo = uint64(vals[i])
		}
	case isFloat(t):
		vals := float64s(arg, nil)
		for j, i := range kept {
			cells[j*stride].Lo = math.Float64bits(vals[i])
		}
	case t.ID() == arrow.DECIMAL128:
		d := arg.(*array.Decimal128)
		for j, i := range kept {
			v := d.Value(i)
			cells[j*stride].Lo, cells[j*stride].Hi = v.LowBits(), uint64(v.HighBits())
		}
	case t.ID() == arrow.STRING:
		s := arg.(*array.String)
		for j, i := range kept {
			if cells[j*stride].Valid {
				cells[j*stride].S = strings.Clone(s.Value(i))
			}
		}
	}
}

// partition returns the id of the partition with the encoded key, creating it.
func (o *OverAggregate) partition(key []byte) int32 {
	if p, ok := o.parts[string(key)]; ok {
		return p
	}
	p := int32(len(o.states))
	o.parts[string(key)] = p
	o.states = append(o.states, &overPartition{Key: string(key)})
	for _, fn := range o.fns {
		if fn != nil {
			fn.grow(len(o.states))
		}
	}
	return p
}

// addPending inserts row, with its input cells in, into its partition's pending rows, in
// (TS, Seq) order.
func (o *OverAggregate) addPending(p int32, row overRow, in []overCell) {
	st := o.states[p]
	q := st.Pending
	j := len(q)
	for j > 0 && q[j-1].TS > row.TS {
		j--
	}
	if j == len(q) {
		st.Pending = append(q, row)
		st.PendingIn = append(st.PendingIn, in...)
	} else {
		st.Pending = slices.Insert(q, j, row)
		st.PendingIn = slices.Insert(st.PendingIn, j*o.nCells, in...)
	}
	if j == 0 {
		o.ready.push(row.TS, p)
	}
}

// releaseUpTo releases every pending row with event time <= wm and emits what completes.
func (o *OverAggregate) releaseUpTo(wm int64, out Emitter) error {
	if len(o.ready) == 0 || o.ready[0].at > wm {
		return nil
	}
	// First find what to release, to size the output.
	o.round++
	rel := o.release[:0]
	total := 0
	for len(o.ready) > 0 && o.ready[0].at <= wm {
		e := o.ready.pop()
		st := o.states[e.v]
		if len(st.Pending) == 0 || st.Pending[0].TS > wm || st.round == o.round {
			continue // stale: released already, or taken by this round
		}
		st.round = o.round
		n := sort.Search(len(st.Pending), func(i int) bool { return st.Pending[i].TS > wm })
		rel = append(rel, overRelease{p: e.v, n: n})
		total += n
	}
	o.release = rel
	bb := NewBatchBuilder(o.schema, o.mem)
	defer bb.Release()
	for _, f := range bb.Fields() {
		f.Reserve(total)
	}
	for _, r := range rel {
		st := o.states[r.p]
		o.releaseRows(r.p, st, r.n, bb)
		rest := copy(st.Pending, st.Pending[r.n:])
		clear(st.Pending[rest:])
		st.Pending = st.Pending[:rest]
		restIn := copy(st.PendingIn, st.PendingIn[r.n*o.nCells:])
		clear(st.PendingIn[restIn:])
		st.PendingIn = st.PendingIn[:restIn]
		if rest > 0 {
			o.ready.push(st.Pending[0].TS, r.p)
		}
	}
	return bb.Emit(out)
}

// releaseRows computes the aggregates of the first n pending rows of partition p, in
// order, and emits the rows that are complete.
func (o *OverAggregate) releaseRows(p int32, st *overPartition, n int, bb *BatchBuilder) {
	rows := st.Pending[:n]
	nAggs := len(o.spec.Aggs)
	for i := 0; i < n; {
		j := i + 1
		for j < n && rows[j].TS == rows[i].TS {
			j++
		}
		o.outBuf = growTo(o.outBuf[:0], (j-i)*nAggs)
		clear(o.outBuf)
		g := &o.peers
		*g = overPeers{rows: rows[i:j], in: st.PendingIn[i*o.nCells : j*o.nCells], inStride: o.nCells,
			out: o.outBuf, outStride: nAggs}
		for k, fn := range o.fns {
			if fn != nil {
				fn.peers(p, g, k, o.inOff[k])
			}
		}
		for x := range g.rows {
			o.place(p, st, g, x, bb)
		}
		i = j
	}
	clear(o.outBuf)
	o.peers = overPeers{}
}

// place gives released peer x its position-based results (ROW_NUMBER, and its value to the
// LEADs of earlier rows) and emits what is complete.
func (o *OverAggregate) place(p int32, st *overPartition, g *overPeers, x int, bb *BatchBuilder) {
	nAggs := len(o.spec.Aggs)
	pos := st.Released
	st.Released++
	for k, a := range o.spec.Aggs {
		if a.Kind == OverRowNumber {
			g.setOut(x, k, overCell{Lo: uint64(pos + 1), Valid: true})
		}
	}
	out := g.out[x*nAggs : (x+1)*nAggs]
	if len(o.leads) == 0 {
		o.appendRow(bb, &g.rows[x], out)
		return
	}
	first := pos - int64(len(st.Waiting)) // position of Waiting[0]
	for _, k := range o.leads {
		n := o.spec.Aggs[k].Offset
		v := g.input(x, o.inOff[k])
		if n == 0 {
			out[k] = v
		} else if t := pos - n; t >= first {
			st.WaitingOut[int(t-first)*nAggs+k] = v
		}
	}
	st.Waiting = append(st.Waiting, g.rows[x])
	st.WaitingIn = append(st.WaitingIn, g.in[x*o.nCells:(x+1)*o.nCells]...)
	st.WaitingOut = append(st.WaitingOut, out...)
	done := 0
	for done < len(st.Waiting) && first+int64(done)+o.maxLead <= pos {
		o.appendRow(bb, &st.Waiting[done], st.WaitingOut[done*nAggs:(done+1)*nAggs])
		done++
	}
	o.dropWaiting(p, st, done)
}

// dropWaiting removes the first n waiting rows of partition p.
func (o *OverAggregate) dropWaiting(p int32, st *overPartition, n int) {
	if n > 0 {
		nAggs := len(o.spec.Aggs)
		rest := copy(st.Waiting, st.Waiting[n:])
		clear(st.Waiting[rest:])
		st.Waiting = st.Waiting[:rest]
		clear(st.WaitingIn[copy(st.WaitingIn, st.WaitingIn[n*o.nCells:]):])
		st.WaitingIn = st.WaitingIn[:rest*o.nCells]
		clear(st.WaitingOut[copy(st.WaitingOut, st.WaitingOut[n*nAggs:]):])
		st.WaitingOut = st.WaitingOut[:rest*nAggs]
	}
	if len(st.Waiting) > 0 {
		o.waiting[p] = struct{}{}
	} else {
		delete(o.waiting, p)
	}
}

// flushWaiting emits, at the end of the input, the rows still waiting for LEAD values:
// the LEADs without a row n rows later get the default.
func (o *OverAggregate) flushWaiting(out Emitter) error {
	if len(o.waiting) == 0 {
		return nil
	}
	ps := make([]int32, 0, len(o.waiting))
	for p := range o.waiting {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	bb := NewBatchBuilder(o.schema, o.mem)
	defer bb.Release()
	nAggs := len(o.spec.Aggs)
	for _, p := range ps {
		st := o.states[p]
		last := st.Released - 1
		first := st.Released - int64(len(st.Waiting))
		for w := range st.Waiting {
			res := st.WaitingOut[w*nAggs : (w+1)*nAggs]
			for _, k := range o.leads {
				if first+int64(w)+o.spec.Aggs[k].Offset > last {
					res[k] = st.WaitingIn[w*o.nCells+o.inOff[k]+1]
				}
			}
			o.appendRow(bb, &st.Waiting[w], res)
		}
		o.dropWaiting(p, st, len(st.Waiting))
	}
	return bb.Emit(out)
}

// appendRow appends a released row and its results to the output.
func (o *OverAggregate) appendRow(bb *BatchBuilder, row *overRow, res []overCell) {
	fs := bb.Fields()
	o.rows.Decode(stringBytes(row.Row), fs[:o.nIn])
	for k, emit := range o.emitOut {
		emit(fs[o.nIn+k], res[k])
	}
	bb.Row(Insert)
}

// ---- per-aggregate state ----

// overFn computes one LAG or OverAgg aggregate for every partition.
type overFn interface {
	// grow makes room for partitions 0..n-1.
	grow(n int)
	// peers sets result k of g, the next rows of partition p in order, which share one
	// event time; the aggregate's input cells are at offset in.
	peers(p int32, g *overPeers, k, in int)
	snapshot(w *stateWriter)
	restore(r *stateReader)
}

// lagFn is LAG(x, n): per partition a ring of the last n values.
type lagFn struct {
	n     int64
	rings []lagRing
}

type lagRing struct {
	Vals []overCell // the last n values; Vals[Next] is the oldest once full
	Next int
}

func (f *lagFn) grow(n int) { f.rings = growTo(f.rings, n) }

func (f *lagFn) peers(p int32, g *overPeers, k, in int) {
	r := &f.rings[p]
	for j := range g.rows {
		v := g.input(j, in)
		if f.n == 0 {
			g.setOut(j, k, v)
			continue
		}
		if int64(len(r.Vals)) < f.n {
			g.setOut(j, k, g.input(j, in+1))
			r.Vals = append(r.Vals, overKeep(v))
			continue
		}
		g.setOut(j, k, r.Vals[r.Next])
		r.Vals[r.Next] = overKeep(v)
		r.Next = (r.Next + 1) % len(r.Vals)
	}
}

// overKeep copies the string of a cell kept beyond its batch (it points into the batch's
// arena otherwise).
func overKeep(c overCell) overCell {
	c.S = strings.Clone(c.S)
	return c
}

func (f *lagFn) snapshot(w *stateWriter) { w.put(f.rings) }
func (f *lagFn) restore(r *stateReader)  { r.get(&f.rings) }

// overOps are the operations of the value type T of an aggregate.
type overOps[T any] struct {
	get      func(c overCell) T
	cell     func(v T) overCell
	add, sub func(a, b T) T // SUM and AVG
	less     func(a, b T) bool
	avg      func(sum T, n int64) T
}

var overIntOps = &overOps[int64]{
	get:  func(c overCell) int64 { return int64(c.Lo) },
	cell: func(v int64) overCell { return overCell{Lo: uint64(v), Valid: true} },
	add:  func(a, b int64) int64 { return a + b },
	sub:  func(a, b int64) int64 { return a - b },
	less: func(a, b int64) bool { return a < b },
	avg:  func(s int64, n int64) int64 { return s / n }, // truncates toward zero, as Flink
}

var overFloatOps = &overOps[float64]{
	get:  func(c overCell) float64 { return math.Float64frombits(c.Lo) },
	cell: func(v float64) overCell { return overCell{Lo: math.Float64bits(v), Valid: true} },
	add:  func(a, b float64) float64 { return a + b },
	sub:  func(a, b float64) float64 { return a - b },
	// NaN is greater than every number (Java's Double.compare).
	less: func(a, b float64) bool { return a < b || b != b && a == a },
	avg:  func(s float64, n int64) float64 { return s / float64(n) },
}

var overStringOps = &overOps[string]{
	get:  func(c overCell) string { return c.S },
	cell: func(v string) overCell { return overCell{S: v, Valid: true} },
	less: func(a, b string) bool { return a < b },
}

func overDecimalOps(inScale, outScale int32) *overOps[decimal128.Num] {
	return &overOps[decimal128.Num]{
		get: func(c overCell) decimal128.Num { return decimal128.New(int64(c.Hi), c.Lo) },
		cell: func(v decimal128.Num) overCell {
			return overCell{Lo: v.LowBits(), Hi: uint64(v.HighBits()), Valid: true}
		},
		add:  func(a, b decimal128.Num) decimal128.Num { return a.Add(b) },
		sub:  func(a, b decimal128.Num) decimal128.Num { return a.Sub(b) },
		less: func(a, b decimal128.Num) bool { return a.Less(b) },
		avg:  func(s decimal128.Num, n int64) decimal128.Num { return decimalAvg(s, n, inScale, outScale) },
	}
}

// frameFn is an aggregate function over a frame, for values of type T.
type frameFn[T any] struct {
	kind   AggKind
	frame  OverFrame
	ops    *overOps[T]
	states []frameState[T]
}

// frameState is the frame of one partition. A bounded frame keeps its rows in q[head:]
// (the row at q[head] has absolute index base); MIN and MAX then keep in mono[monoHead:]
// the absolute indexes of the rows that can still become the result (a monotonic queue:
// each one better than the ones after it). An unbounded frame keeps only count and acc.
type frameState[T any] struct {
	q        []frameEntry[T]
	head     int
	base     int64
	count    int64 // rows in the frame that count (non-NULL, passing FILTER)
	acc      T     // SUM/AVG: their sum; MIN/MAX of an unbounded frame: the best
	mono     []int64
	monoHead int
}

type frameEntry[T any] struct {
	ts int64
	ok bool
	v  T
}

// newFrameFn builds the state of an OverAgg aggregate with result type t, and its emitter.
func newFrameFn(input *arrow.Schema, a OverAggSpec, t arrow.DataType) (overFn, func(array.Builder, overCell), error) {
	agg := a.Agg
	if agg.Distinct {
		return nil, nil, fmt.Errorf("DISTINCT aggregates are not supported in OVER windows")
	}
	if agg.Filter >= 0 {
		if err := checkColumns(input, "FILTER", []int{agg.Filter}); err != nil {
			return nil, nil, err
		}
		if ft := input.Field(agg.Filter).Type; ft.ID() != arrow.BOOL {
			return nil, nil, fmt.Errorf("FILTER column %q has type %s, not BOOLEAN", input.Field(agg.Filter).Name, ft)
		}
	}
	var arg arrow.DataType = arrow.PrimitiveTypes.Int64
	if agg.Kind != AggCountStar {
		if err := checkColumns(input, agg.Kind.String()+" argument", []int{agg.Arg}); err != nil {
			return nil, nil, err
		}
		arg = input.Field(agg.Arg).Type
	}
	want, err := AggResultType(agg.Kind, arg)
	if err != nil {
		return nil, nil, err
	}
	mismatch := fmt.Errorf("%s(%s) cannot have type %s (its type is %s)", agg.Kind, arg, t, want)
	if agg.Kind == AggCount || agg.Kind == AggCountStar {
		if t.ID() != arrow.INT64 {
			return nil, nil, mismatch
		}
		return newFrame(agg.Kind, a.Frame, overIntOps), emitOverInt, nil
	}
	switch {
	case isIntLike(arg) || arg.ID() == arrow.BOOL:
		if !(isIntLike(t) || t.ID() == arrow.BOOL) {
			return nil, nil, mismatch
		}
		return newFrame(agg.Kind, a.Frame, overIntOps), emitOverInt, nil
	case isFloat(arg):
		if !isFloat(t) {
			return nil, nil, mismatch
		}
		return newFrame(agg.Kind, a.Frame, overFloatOps), emitOverFloat, nil
	case arg.ID() == arrow.STRING:
		if t.ID() != arrow.STRING {
			return nil, nil, mismatch
		}
		return newFrame(agg.Kind, a.Frame, overStringOps), emitOverString, nil
	case arg.ID() == arrow.DECIMAL128:
		dt, ok := t.(*arrow.Decimal128Type)
		in := arg.(*arrow.Decimal128Type).Scale
		if !ok || dt.Scale < in || agg.Kind != AggAvg && dt.Scale != in {
			return nil, nil, mismatch
		}
		return newFrame(agg.Kind, a.Frame, overDecimalOps(in, dt.Scale)), emitOverDecimal, nil
	}
	return nil, nil, mismatch
}

func newFrame[T any](kind AggKind, frame OverFrame, ops *overOps[T]) *frameFn[T] {
	return &frameFn[T]{kind: kind, frame: frame, ops: ops}
}

func emitOverInt(b array.Builder, c overCell) {
	if !c.Valid {
		b.AppendNull()
		return
	}
	appendInt64(b, int64(c.Lo))
}

func emitOverFloat(b array.Builder, c overCell) {
	if !c.Valid {
		b.AppendNull()
		return
	}
	appendFloat64(b, math.Float64frombits(c.Lo))
}

func emitOverString(b array.Builder, c overCell) {
	if !c.Valid {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(c.S)
}

func emitOverDecimal(b array.Builder, c overCell) {
	if !c.Valid {
		b.AppendNull()
		return
	}
	b.(*array.Decimal128Builder).Append(decimal128.New(int64(c.Hi), c.Lo))
}

func (f *frameFn[T]) grow(n int) { f.states = growTo(f.states, n) }

func (f *frameFn[T]) bounded() bool { return f.frame.Preceding >= 0 }

func (f *frameFn[T]) minMax() bool { return f.kind == AggMin || f.kind == AggMax }

// better says a is a strictly better MIN/MAX than b.
func (f *frameFn[T]) better(a, b T) bool {
	if f.kind == AggMax {
		return f.ops.less(b, a)
	}
	return f.ops.less(a, b)
}

func (f *frameFn[T]) peers(p int32, g *overPeers, k, in int) {
	s := &f.states[p]
	if f.frame.Rows {
		for j := range g.rows {
			f.enter(s, g.rows[j].TS, g.input(j, in))
			if f.bounded() {
				for s.live()-1 > f.frame.Preceding {
					f.leave(s)
				}
			}
			g.setOut(j, k, f.result(s))
		}
		return
	}
	for j := range g.rows {
		f.enter(s, g.rows[j].TS, g.input(j, in))
	}
	if f.bounded() {
		lo := satAdd(g.rows[0].TS, -f.frame.Preceding)
		for s.live() > 0 && s.q[s.head].ts < lo {
			f.leave(s)
		}
	}
	r := f.result(s)
	for j := range g.rows {
		g.setOut(j, k, r)
	}
}

func (s *frameState[T]) live() int64 { return int64(len(s.q) - s.head) }

// at is the entry with absolute index idx.
func (s *frameState[T]) at(idx int64) *frameEntry[T] { return &s.q[s.head+int(idx-s.base)] }

// enter adds a row with input c to the frame.
func (f *frameFn[T]) enter(s *frameState[T], ts int64, c overCell) {
	var v T
	if c.Valid {
		v = f.ops.get(c)
		switch {
		case f.kind == AggSum || f.kind == AggAvg:
			s.acc = f.ops.add(s.acc, v)
		case f.minMax() && !f.bounded():
			if s.count == 0 || f.better(v, s.acc) {
				s.acc = v
			}
		}
		s.count++
	}
	if !f.bounded() {
		return
	}
	idx := s.base + s.live()
	s.q = append(s.q, frameEntry[T]{ts: ts, ok: c.Valid, v: v})
	if c.Valid && f.minMax() {
		for len(s.mono) > s.monoHead && !f.better(s.at(s.mono[len(s.mono)-1]).v, v) {
			s.mono = s.mono[:len(s.mono)-1]
		}
		s.mono = append(s.mono, idx)
	}
}

// leave removes the oldest row of a bounded frame.
func (f *frameFn[T]) leave(s *frameState[T]) {
	e := &s.q[s.head]
	if e.ok {
		s.count--
		if f.kind == AggSum || f.kind == AggAvg {
			s.acc = f.ops.sub(s.acc, e.v)
		}
		if s.count == 0 {
			var zero T
			s.acc = zero // no rounding residue of float sums
		}
	}
	if s.monoHead < len(s.mono) && s.mono[s.monoHead] == s.base {
		s.monoHead++
	}
	*e = frameEntry[T]{}
	s.head++
	s.base++
	if s.head >= 32 && 2*s.head >= len(s.q) {
		n := copy(s.q, s.q[s.head:])
		clear(s.q[n:])
		s.q, s.head = s.q[:n], 0
	}
	if s.monoHead >= 32 && 2*s.monoHead >= len(s.mono) {
		n := copy(s.mono, s.mono[s.monoHead:])
		s.mono, s.monoHead = s.mono[:n], 0
	}
}

func (f *frameFn[T]) result(s *frameState[T]) overCell {
	switch f.kind {
	case AggCountStar, AggCount:
		return overCell{Lo: uint64(s.count), Valid: true}
	case AggSum:
		if s.count == 0 {
			return overCell{}
		}
		return f.ops.cell(s.acc)
	case AggAvg:
		if s.count == 0 {
			return overCell{}
		}
		return f.ops.cell(f.ops.avg(s.acc, s.count))
	}
	// MIN, MAX
	if !f.bounded() {
		if s.count == 0 {
			return overCell{}
		}
		return f.ops.cell(s.acc)
	}
	if s.monoHead == len(s.mono) {
		return overCell{}
	}
	return f.ops.cell(s.at(s.mono[s.monoHead]).v)
}

// frameSnapshot is the gob form of a frameState: the live rows, with MIN/MAX candidates as
// offsets from the first live row.
type frameSnapshot struct {
	TS    []int64
	OK    []bool
	V     []overCell
	Count int64
	Acc   overCell
	Mono  []int64
}

func (f *frameFn[T]) snapshot(w *stateWriter) {
	snaps := make([]frameSnapshot, len(f.states))
	for p := range f.states {
		s := &f.states[p]
		x := &snaps[p]
		x.Count, x.Acc = s.count, f.ops.cell(s.acc)
		for _, e := range s.q[s.head:] {
			x.TS = append(x.TS, e.ts)
			x.OK = append(x.OK, e.ok)
			x.V = append(x.V, f.ops.cell(e.v))
		}
		for _, idx := range s.mono[s.monoHead:] {
			x.Mono = append(x.Mono, idx-s.base)
		}
	}
	w.put(snaps)
}

func (f *frameFn[T]) restore(r *stateReader) {
	var snaps []frameSnapshot
	r.get(&snaps)
	f.states = make([]frameState[T], len(snaps))
	for p, x := range snaps {
		s := &f.states[p]
		s.count, s.acc = x.Count, f.ops.get(x.Acc)
		for i := range x.TS {
			s.q = append(s.q, frameEntry[T]{ts: x.TS[i], ok: x.OK[i], v: f.ops.get(x.V[i])})
		}
		s.mono = x.Mono
	}
}

// ---- snapshots ----

// Snapshot implements Stateful.
func (o *OverAggregate) Snapshot() ([]byte, error) {
	sw := newStateWriter()
	sw.put(o.wm)
	sw.put(o.sentWM)
	sw.put(o.seq)
	sw.put(o.LateRecordsDropped)
	sw.put(o.states)
	for _, fn := range o.fns {
		if fn != nil {
			fn.snapshot(sw)
		}
	}
	return sw.bytes()
}

// Restore implements Stateful.
func (o *OverAggregate) Restore(b []byte) error {
	r, err := newStateReader(b, o.spec.ID)
	if err != nil {
		return err
	}
	var states []*overPartition
	r.get(&o.wm)
	r.get(&o.sentWM)
	r.get(&o.seq)
	r.get(&o.LateRecordsDropped)
	r.get(&states)
	for _, fn := range o.fns {
		if fn != nil {
			fn.restore(r)
			fn.grow(len(states))
		}
	}
	if r.err != nil {
		return fmt.Errorf("state of %s: %w", o.spec.ID, r.err)
	}
	o.states = states
	o.parts = make(map[string]int32, len(states))
	o.ready = o.ready[:0]
	o.waiting = map[int32]struct{}{}
	for i, st := range states {
		p := int32(i)
		o.parts[st.Key] = p
		if len(st.Pending) > 0 {
			o.ready.push(st.Pending[0].TS, p)
		}
		if len(st.Waiting) > 0 {
			o.waiting[p] = struct{}{}
		}
	}
	return nil
}

var (
	_ Operator = (*OverAggregate)(nil)
	_ Stateful = (*OverAggregate)(nil)
)
