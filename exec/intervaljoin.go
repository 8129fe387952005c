package exec

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// IntervalJoinSpec configures an interval join: rows l (left) and r (right) match when
// their keys are equal, r.ts - l.ts is in [Lower, Upper] (ms, inclusive) and Residual holds.
type IntervalJoinSpec struct {
	// ID is the operator's state id.
	ID   string
	Type JoinType
	// LeftKeys and RightKeys are the equality keys (same count, identical types; may be
	// empty).
	LeftKeys, RightKeys []int
	// LeftTime and RightTime are the event-time columns (TIMESTAMP, ms) of each side.
	LeftTime, RightTime int
	// Lower and Upper bound r.ts - l.ts (inclusive).
	Lower, Upper int64
	// Residual is an extra condition over the output row (left ++ right columns); nil is
	// none. NULL and FALSE are no match.
	Residual expr.Expr
}

// IntervalJoin is the time-bounded stream-stream join (Flink's interval join). Inputs and
// output are append-only.
//
// A row of a side is late when its event time <= its side's watermark as the row saw it
// (its RowWatermarks entry): it is dropped, counted in LateRecordsDropped and handed to the
// LateHandler, like a row without an event time. Every other row is matched against the
// other side's state when it arrives (a matched pair is emitted, +I, when the second of the
// two arrives) and then kept in its side's state until no row still to come on the other
// side can match it:
//
//   - a left row l can only match right rows with ts <= l.ts + Upper, and every right row
//     still to come has ts > the right watermark, so l is evicted once the right watermark
//     >= l.ts + Upper;
//   - a right row r can only match left rows with ts >= r.ts - Lower, so r is evicted once
//     the left watermark >= r.ts - Lower.
//
// Why the output does not depend on how the two inputs interleave: take a matching pair
// (l, r) of rows that are not late, and say l is processed first. When r arrives, its
// watermark w (>= every watermark message the right input sent before it, so >= the right
// watermark at any earlier time) is < r.ts <= l.ts + Upper, so the right watermark has not
// yet reached l.ts + Upper and l is still in state: the pair is emitted. The same holds the
// other way round with Lower. So every matching pair of non-late rows is emitted exactly
// once, whatever the order, and an outer row's padded row (emitted when it is evicted, or at
// the end) is emitted exactly when it has no match at all. Lateness itself depends on each
// side's own stream only.
//
// A row with a NULL key matches nothing: on an outer side it is emitted padded at once; on
// the other sides it is dropped (it is not late).
//
// The output watermark is min(left wm, right wm) - max(0, Upper, -Lower), forwarded when
// it advances, after the padded rows of the rows evicted up to it: a pair emitted later
// has l.ts > min - Upper and r.ts > min + Lower, and a row still in state is above it too,
// so no row emitted later is late against it.
type IntervalJoin struct {
	*joinBase
	spec   IntervalJoinSpec
	late   LateHandler
	sides  [2]*ivSide
	times  [2]int
	margin int64 // max(0, Upper, -Lower)

	// LateRecordsDropped counts rows dropped as late (or without an event time).
	LateRecordsDropped int64
	// PeakStateRows is the most rows both sides held in state at once (after a batch was
	// stored and what it made evictable evicted).
	PeakStateRows int64

	lates   lateRows
	tsBuf   [2][]int64 // per side: int64s may return a view of a side's column
	pending []ivPending
	pairs   []ivPair
	idxBuf  []int32
	others  [2]*array.RecordBuilder // [side]: builds the other side's columns of pairs
}

// ivSide is the state of one input: its rows by key, each key's rows ordered by event
// time, and a min-heap of the keys' oldest rows for eviction.
type ivSide struct {
	keys  joinKeyMap[*ivBucket]
	evict timeHeap[*ivBucket] // by the time of a key's oldest row
	rows  int64
}

// ivBucket holds one key's rows of one side, ordered by event time (ties in arrival order).
// queuedTs is the time of its newest eviction heap entry, when queued; entries with
// another time are stale.
type ivBucket struct {
	key      joinKeyV
	rows     []ivRow
	queued   bool
	queuedTs int64
}

type ivRow struct {
	ts      int64
	row     string
	matched bool
}

// ivPending is a row of the batch being processed, not yet stored.
type ivPending struct {
	key    joinKeyV
	row    ivRow
	idx    int32 // row of the input batch
	padded bool  // NULL key: emit padded at once if outer
}

// ivPair is a candidate: pending row in and row j of bucket b of the other side.
type ivPair struct {
	in int
	b  *ivBucket
	j  int
}

// NewIntervalJoin builds an interval join of left and right; late may be nil.
func NewIntervalJoin(left, right *arrow.Schema, spec IntervalJoinSpec, mem memory.Allocator, late LateHandler) (*IntervalJoin, error) {
	const op = "interval join"
	base, err := newJoinBase(op, spec.ID, spec.Type, left, right, spec.LeftKeys, spec.RightKeys, spec.Residual, mem)
	if err != nil {
		return nil, err
	}
	if err := checkTimeColumn(left, "left time", spec.LeftTime); err != nil {
		return nil, fmt.Errorf("exec: %s %s: %w", op, spec.ID, err)
	}
	if err := checkTimeColumn(right, "right time", spec.RightTime); err != nil {
		return nil, fmt.Errorf("exec: %s %s: %w", op, spec.ID, err)
	}
	if spec.Lower > spec.Upper {
		return nil, fmt.Errorf("exec: %s %s: lower bound %d > upper bound %d", op, spec.ID, spec.Lower, spec.Upper)
	}
	return &IntervalJoin{
		joinBase: base, spec: spec, late: late,
		sides:  [2]*ivSide{newIVSide(), newIVSide()},
		times:  [2]int{spec.LeftTime, spec.RightTime},
		margin: max(0, spec.Upper, -spec.Lower),
	}, nil
}

func newIVSide() *ivSide { return &ivSide{keys: newJoinKeyMap[*ivBucket]()} }

// StateRows is the number of rows in state on both sides.
func (j *IntervalJoin) StateRows() int64 { return j.sides[0].rows + j.sides[1].rows }

// ProcessSide implements BinaryOperator.
func (j *IntervalJoin) ProcessSide(side int, m Message, out Emitter) error {
	if err := j.check(side); err != nil {
		return err
	}
	switch m.Kind {
	case KindBatch:
		return j.processBatch(side, m, out)
	case KindWatermark:
		return j.advance(side, m.Watermark, out)
	default:
		if err := j.advance(side, MaxWatermark, out); err != nil {
			return err
		}
		j.ended[side] = true
		return j.finish(out)
	}
}

// advance moves side's watermark to wm: the other side's rows no longer matchable are
// evicted (outer ones without a match emitted padded), then the output watermark follows.
func (j *IntervalJoin) advance(side int, wm int64, out Emitter) error {
	if wm <= j.wm[side] {
		return nil
	}
	j.wm[side] = wm
	if err := j.evict(1-side, out); err != nil {
		return err
	}
	return j.forward(j.outputWatermark(), out)
}

// outputWatermark is min(left wm, right wm) held back by the join's margin.
func (j *IntervalJoin) outputWatermark() int64 {
	m := j.minWatermark()
	if m == MinWatermark || m == MaxWatermark {
		return m
	}
	return satAdd(m, -j.margin)
}

// evictBound is the event time up to which rows of side can no longer be matched, and
// false when no row can be evicted yet.
func (j *IntervalJoin) evictBound(side int) (int64, bool) {
	w := j.wm[1-side]
	switch {
	case w == MinWatermark:
		return 0, false
	case w == MaxWatermark:
		return MaxWatermark, true
	case side == 0:
		return satAdd(w, -j.spec.Upper), true
	default:
		return satAdd(w, j.spec.Lower), true
	}
}

// evict removes the rows of side that can no longer be matched, emitting the padded rows of
// the unmatched ones when side is outer.
func (j *IntervalJoin) evict(side int, out Emitter) error {
	bound, ok := j.evictBound(side)
	if !ok {
		return nil
	}
	s := j.sides[side]
	outer := j.typ.outer(side)
	for len(s.evict) > 0 && s.evict[0].at <= bound {
		e := s.evict.pop()
		b := e.v
		if !b.queued || b.queuedTs != e.at {
			continue // stale
		}
		b.queued = false
		k := sort.Search(len(b.rows), func(i int) bool { return b.rows[i].ts > bound })
		for _, r := range b.rows[:k] {
			if outer && !r.matched {
				j.padded(side, r.row, Insert, 1)
				if err := j.flushIfFull(out); err != nil {
					return err
				}
			}
		}
		n := copy(b.rows, b.rows[k:])
		clear(b.rows[n:])
		b.rows = b.rows[:n]
		s.rows -= int64(k)
		if n == 0 {
			s.keys.delete(b.key)
			continue
		}
		s.queue(b)
	}
	return j.out.Emit(out)
}

// queue makes sure b has an eviction heap entry at its oldest row.
func (s *ivSide) queue(b *ivBucket) {
	ts := b.rows[0].ts
	if b.queued && b.queuedTs <= ts {
		return
	}
	b.queued, b.queuedTs = true, ts
	s.evict.push(ts, b)
}

// insert stores r under key.
func (s *ivSide) insert(key joinKeyV, r ivRow) {
	b := s.keys.get(key)
	if b == nil {
		b = &ivBucket{key: key}
		s.keys.put(key, b)
	}
	// Rows come mostly in time order: search from the end.
	k := len(b.rows)
	if k > 0 && b.rows[k-1].ts > r.ts {
		k = sort.Search(len(b.rows), func(i int) bool { return b.rows[i].ts > r.ts })
	}
	b.rows = append(b.rows, ivRow{})
	copy(b.rows[k+1:], b.rows[k:])
	b.rows[k] = r
	s.rows++
	s.queue(b)
}

// processBatch drops the late rows of a batch of side, joins the others against the other
// side's state, stores them, and evicts those the other side's watermark already passed.
func (j *IntervalJoin) processBatch(side int, m Message, out Emitter) error {
	if err := j.appendOnly("interval join", side, m); err != nil {
		return err
	}
	b := m.Batch
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	tcol := b.Column(j.times[side])
	ts := int64s(tcol, j.tsBuf[side])
	j.tsBuf[side] = ts[:0]
	j.lates.reset()
	j.batchKeys(side, b)
	other := j.sides[1-side]
	// Bounds of the other side's times a row at t matches: [t+lo, t+hi].
	lo, hi := j.spec.Lower, j.spec.Upper
	if side == 1 {
		lo, hi = -j.spec.Upper, -j.spec.Lower
	}
	for i := 0; i < n; {
		pending, pairs := j.pending[:0], j.pairs[:0]
		for ; i < n && len(pairs) < joinResidualChunk; i++ {
			if j.lates.late(i, tcol.IsNull(i), ts[i], j.rowWatermark(side, m, i)) {
				continue
			}
			key, null := j.key(side, b, i)
			p := ivPending{key: key, idx: int32(i), padded: null}
			p.row = ivRow{ts: ts[i], row: j.encodeRowArena(side, b, i)}
			if !null {
				pairs = other.candidates(pairs, len(pending), key, satAdd(ts[i], lo), satAdd(ts[i], hi))
			}
			pending = append(pending, p)
		}
		j.pending, j.pairs = pending, pairs
		if err := j.joinPending(side, b, pending, pairs, out); err != nil {
			return err
		}
	}
	if err := j.evict(side, out); err != nil {
		return err
	}
	j.PeakStateRows = max(j.PeakStateRows, j.StateRows())
	if err := j.out.Emit(out); err != nil {
		return err
	}
	return j.lates.flush(j.id, b, j.late, &j.LateRecordsDropped)
}

// candidates appends the pairs of pending row in with this side's rows of key whose time is
// in [lo, hi].
func (s *ivSide) candidates(pairs []ivPair, in int, key joinKeyV, lo, hi int64) []ivPair {
	b := s.keys.get(key)
	if b == nil {
		return pairs
	}
	k := sort.Search(len(b.rows), func(i int) bool { return b.rows[i].ts >= lo })
	for ; k < len(b.rows) && b.rows[k].ts <= hi; k++ {
		pairs = append(pairs, ivPair{in: in, b: b, j: k})
	}
	return pairs
}

// joinPending emits the pairs of the pending rows (rows of b) that satisfy the residual,
// marks their rows matched, and stores the pending rows (emitting padded those with a NULL
// key).
func (j *IntervalJoin) joinPending(side int, b arrow.RecordBatch, pending []ivPending, pairs []ivPair, out Emitter) error {
	if len(pairs) > 0 {
		if err := j.emitPairs(side, b, pending, pairs, out); err != nil {
			return err
		}
	}
	s := j.sides[side]
	for i := range pending {
		p := &pending[i]
		if p.padded {
			if j.typ.outer(side) {
				j.padded(side, p.row.row, Insert, 1)
			}
			continue
		}
		s.insert(p.key, p.row)
	}
	clear(pending) // drop the row strings
	return nil
}

// emitPairs builds the candidate pairs as one batch, column by column (the input side's
// columns taken from b, the other side's decoded from state), keeps those where the
// residual is TRUE, emits them and marks their rows matched.
func (j *IntervalJoin) emitPairs(side int, b arrow.RecordBatch, pending []ivPending, pairs []ivPair, out Emitter) error {
	idx := growTo(j.idxBuf[:0], len(pairs))
	j.idxBuf = idx
	if j.others[side] == nil {
		j.others[side] = array.NewRecordBuilder(j.mem, j.inputs[1-side])
	}
	ob := j.others[side]
	obs := ob.Fields()
	for _, f := range obs {
		f.Reserve(len(pairs))
	}
	codec := j.codecs[1-side]
	for p, pr := range pairs {
		idx[p] = pending[pr.in].idx
		codec.Decode(stringBytes(pr.b.rows[pr.j].row), obs)
	}
	own, err := expr.TakeBatch(j.mem, b, idx)
	if err != nil {
		return err
	}
	defer own.Release()
	other := ob.NewRecordBatch()
	defer other.Release()
	cols := append(append([]arrow.Array{}, own.Columns()...), other.Columns()...)
	if side == 1 {
		cols = append(append(cols[:0:0], other.Columns()...), own.Columns()...)
	}
	cand := array.NewRecordBatch(j.schema, cols, int64(len(pairs)))
	defer cand.Release()
	res := cand
	if j.residual != nil {
		sel, err := expr.Select(j.residual, cand)
		if err != nil {
			return fmt.Errorf("exec: interval join %s: %w", j.id, err)
		}
		if len(sel) == 0 {
			return nil
		}
		for _, p := range sel {
			j.match(pending, pairs[p])
		}
		if len(sel) < len(pairs) {
			if res, err = expr.TakeBatch(j.mem, cand, sel); err != nil {
				return err
			}
			defer res.Release()
		}
	} else {
		for _, pr := range pairs {
			j.match(pending, pr)
		}
	}
	if err := j.out.Emit(out); err != nil { // rows collected before these
		return err
	}
	return out.Emit(BatchMessage(res, nil))
}

func (j *IntervalJoin) match(pending []ivPending, pr ivPair) {
	pr.b.rows[pr.j].matched = true
	pending[pr.in].row.matched = true
}

// Close releases the operator's buffers and state; it is idempotent.
func (j *IntervalJoin) Close() error {
	j.sides = [2]*ivSide{newIVSide(), newIVSide()}
	for i, b := range j.others {
		if b != nil {
			b.Release()
			j.others[i] = nil
		}
	}
	return j.joinBase.Close()
}

// ivRowState is one row of an IntervalJoin's state in a snapshot.
type ivRowState struct {
	Side    uint8
	Key     joinKeyV
	Ts      int64
	Row     string
	Matched bool
}

// Snapshot implements Stateful: watermarks, counters and every row in state.
func (j *IntervalJoin) Snapshot() ([]byte, error) {
	var rows []ivRowState
	for side, s := range j.sides {
		s.keys.all(func(b *ivBucket) {
			for _, r := range b.rows {
				rows = append(rows, ivRowState{Side: uint8(side), Key: b.key, Ts: r.ts, Row: r.row, Matched: r.matched})
			}
		})
	}
	return encodeState(j.wm, j.sent, j.ended, j.LateRecordsDropped, j.PeakStateRows, rows)
}

// Restore implements Stateful.
func (j *IntervalJoin) Restore(b []byte) error {
	var rows []ivRowState
	if err := decodeState(b, j.id, &j.wm, &j.sent, &j.ended, &j.LateRecordsDropped, &j.PeakStateRows, &rows); err != nil {
		return err
	}
	j.sides = [2]*ivSide{newIVSide(), newIVSide()}
	for _, x := range rows {
		if x.Side > 1 {
			return fmt.Errorf("state of %s: bad side %d", j.id, x.Side)
		}
		j.sides[x.Side].insert(x.Key, ivRow{ts: x.Ts, row: x.Row, matched: x.Matched})
	}
	return nil
}

var (
	_ BinaryOperator = (*IntervalJoin)(nil)
	_ Stateful       = (*IntervalJoin)(nil)
)
