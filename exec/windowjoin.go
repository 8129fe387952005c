package exec

import (
	"container/heap"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// WindowJoinSpec configures a window join (Flink's window join): the rows of two window
// TVFs (TUMBLE, HOP, CUMULATE) match when they are in the same window (equal window_start
// and window_end), their keys are equal and Residual holds.
type WindowJoinSpec struct {
	// ID is the operator's state id.
	ID   string
	Type JoinType
	// LeftKeys and RightKeys are the equality keys (same count, identical types; may be
	// empty).
	LeftKeys, RightKeys []int
	// LeftStart, LeftEnd, RightStart and RightEnd are the window_start and window_end
	// columns of each side.
	LeftStart, LeftEnd, RightStart, RightEnd int
	// Residual is an extra condition over the output row (left ++ right columns); nil is
	// none. NULL and FALSE are no match.
	Residual expr.Expr
}

// WindowJoin joins two window TVFs window by window. Inputs and output are append-only.
//
// Rows are buffered per window (start, end) and side. A row is late when its window_end - 1
// <= its side's watermark as the row saw it (its RowWatermarks entry): it is dropped,
// counted in LateRecordsDropped and handed to the LateHandler, like a row without a window.
// When min(left wm, right wm) >= window_end - 1 the window fires: its joined rows, and the
// null-padded rows of the outer sides' rows without a match, are emitted as +I, the window
// is freed, and then the watermark is forwarded. A window fires only when neither side can
// still add a row to it (a non-late row has window_end - 1 > its side's watermark >= the
// minimum), so the output does not depend on how the inputs interleave. At the end every
// window fires.
type WindowJoin struct {
	*joinBase
	spec    WindowJoinSpec
	late    LateHandler
	cols    [2][2]int // [side]{start, end}
	windows map[wjBounds]*wjWindow
	ends    wjHeap

	// LateRecordsDropped counts rows dropped as late (or without window bounds).
	LateRecordsDropped int64

	lates   lateRows
	bufs    [2][2][]int64 // [side]{start, end}: int64s may return a view of a column
	pairs   [][2]int32
	matched [2][]bool
}

// wjBounds identifies a window.
type wjBounds struct{ Start, End int64 }

// wjWindow holds the rows of one window of both sides, in order of arrival.
type wjWindow struct {
	rows [2][]wjRow
}

type wjRow struct {
	key  joinKeyV
	null bool // a key column is NULL
	row  string
}

// NewWindowJoin builds a window join of left and right; late may be nil.
func NewWindowJoin(left, right *arrow.Schema, spec WindowJoinSpec, mem memory.Allocator, late LateHandler) (*WindowJoin, error) {
	const op = "window join"
	base, err := newJoinBase(op, spec.ID, spec.Type, left, right, spec.LeftKeys, spec.RightKeys, spec.Residual, mem)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		what string
		s    *arrow.Schema
		col  int
	}{
		{"left window_start", left, spec.LeftStart}, {"left window_end", left, spec.LeftEnd},
		{"right window_start", right, spec.RightStart}, {"right window_end", right, spec.RightEnd},
	} {
		if err := checkTimeColumn(c.s, c.what, c.col); err != nil {
			return nil, fmt.Errorf("exec: %s %s: %w", op, spec.ID, err)
		}
	}
	return &WindowJoin{
		joinBase: base, spec: spec, late: late,
		cols:    [2][2]int{{spec.LeftStart, spec.LeftEnd}, {spec.RightStart, spec.RightEnd}},
		windows: map[wjBounds]*wjWindow{},
	}, nil
}

// StateRows is the number of rows buffered in pending windows on both sides.
func (j *WindowJoin) StateRows() int64 {
	var n int64
	for _, w := range j.windows {
		n += int64(len(w.rows[0]) + len(w.rows[1]))
	}
	return n
}

// ProcessSide implements BinaryOperator.
func (j *WindowJoin) ProcessSide(side int, m Message, out Emitter) error {
	if err := j.check(side); err != nil {
		return err
	}
	switch m.Kind {
	case KindBatch:
		return j.processBatch(side, m)
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

// advance moves side's watermark to wm, fires the windows the minimum watermark completes,
// then forwards it.
func (j *WindowJoin) advance(side int, wm int64, out Emitter) error {
	if wm <= j.wm[side] {
		return nil
	}
	j.wm[side] = wm
	w := j.minWatermark()
	for len(j.ends) > 0 && j.ends[0].End-1 <= w {
		b := heap.Pop(&j.ends).(wjBounds)
		win := j.windows[b]
		delete(j.windows, b)
		if err := j.fire(win, out); err != nil {
			return err
		}
	}
	if err := j.out.Emit(out); err != nil {
		return err
	}
	return j.forward(w, out)
}

// processBatch buffers the rows of a batch of side in their windows, dropping late ones.
func (j *WindowJoin) processBatch(side int, m Message) error {
	if err := j.appendOnly("window join", side, m); err != nil {
		return err
	}
	b := m.Batch
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	scol, ecol := b.Column(j.cols[side][0]), b.Column(j.cols[side][1])
	starts := int64s(scol, j.bufs[side][0])
	j.bufs[side][0] = starts[:0]
	ends := int64s(ecol, j.bufs[side][1])
	j.bufs[side][1] = ends[:0]
	j.lates.reset()
	j.batchKeys(side, b)
	var last *wjWindow
	var lastB wjBounds
	for i := 0; i < n; i++ {
		if j.lates.late(i, scol.IsNull(i) || ecol.IsNull(i), ends[i]-1, j.rowWatermark(side, m, i)) {
			continue
		}
		wb := wjBounds{Start: starts[i], End: ends[i]}
		if last == nil || wb != lastB {
			last, lastB = j.window(wb), wb
		}
		key, null := j.key(side, b, i)
		r := wjRow{key: key, null: null}
		r.row = j.encodeRowArena(side, b, i)
		last.rows[side] = append(last.rows[side], r)
	}
	return j.lates.flush(j.id, b, j.late, &j.LateRecordsDropped)
}

// window returns the pending window wb, creating it.
func (j *WindowJoin) window(wb wjBounds) *wjWindow {
	w := j.windows[wb]
	if w == nil {
		w = &wjWindow{}
		j.windows[wb] = w
		heap.Push(&j.ends, wb)
	}
	return w
}

// fire emits the result of one complete window: the joined rows in order of the left rows'
// arrival, then the unmatched rows of the outer sides, null-padded.
func (j *WindowJoin) fire(w *wjWindow, out Emitter) error {
	left, right := w.rows[0], w.rows[1]
	byKey := make(map[joinKeyV][]int32, len(right))
	for i, r := range right {
		if !r.null {
			byKey[r.key] = append(byKey[r.key], int32(i))
		}
	}
	for s := range j.matched {
		j.matched[s] = growTo(j.matched[s][:0], len(w.rows[s]))
		clear(j.matched[s])
	}
	// Candidate pairs, a group of left rows at a time.
	for i := 0; i < len(left); {
		pairs := j.pairs[:0]
		for ; i < len(left) && len(pairs) < joinResidualChunk; i++ {
			if left[i].null {
				continue
			}
			for _, r := range byKey[left[i].key] {
				pairs = append(pairs, [2]int32{int32(i), r})
			}
		}
		j.pairs = pairs
		pass, err := j.evalResidual(len(pairs), func(p int) (string, string) {
			return left[pairs[p][0]].row, right[pairs[p][1]].row
		})
		if err != nil {
			return err
		}
		for p, pr := range pairs {
			if !pass[p] {
				continue
			}
			j.matched[0][pr[0]], j.matched[1][pr[1]] = true, true
			j.joined(left[pr[0]].row, right[pr[1]].row, Insert, 1)
			if err := j.flushIfFull(out); err != nil {
				return err
			}
		}
	}
	for s := range w.rows {
		if !j.typ.outer(s) {
			continue
		}
		for i, r := range w.rows[s] {
			if !j.matched[s][i] {
				j.padded(s, r.row, Insert, 1)
				if err := j.flushIfFull(out); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Close releases the operator's buffers and state; it is idempotent.
func (j *WindowJoin) Close() error {
	j.windows, j.ends = map[wjBounds]*wjWindow{}, nil
	return j.joinBase.Close()
}

// wjHeap orders pending windows by end, then start.
type wjHeap []wjBounds

func (h wjHeap) Len() int { return len(h) }
func (h wjHeap) Less(i, j int) bool {
	if h[i].End != h[j].End {
		return h[i].End < h[j].End
	}
	return h[i].Start < h[j].Start
}
func (h wjHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *wjHeap) Push(x any)   { *h = append(*h, x.(wjBounds)) }
func (h *wjHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// wjWindowState is one pending window of a WindowJoin in a snapshot.
type wjWindowState struct {
	Start, End int64
	Keys       [2][]joinKeyV
	Nulls      [2][]bool
	Rows       [2][]string
}

// Snapshot implements Stateful: watermarks, counters and every pending window.
func (j *WindowJoin) Snapshot() ([]byte, error) {
	ws := make([]wjWindowState, 0, len(j.windows))
	for b, win := range j.windows {
		x := wjWindowState{Start: b.Start, End: b.End}
		for s, rows := range win.rows {
			for _, r := range rows {
				x.Keys[s] = append(x.Keys[s], r.key)
				x.Nulls[s] = append(x.Nulls[s], r.null)
				x.Rows[s] = append(x.Rows[s], r.row)
			}
		}
		ws = append(ws, x)
	}
	return encodeState(j.wm, j.sent, j.ended, j.LateRecordsDropped, ws)
}

// Restore implements Stateful.
func (j *WindowJoin) Restore(b []byte) error {
	var ws []wjWindowState
	if err := decodeState(b, j.id, &j.wm, &j.sent, &j.ended, &j.LateRecordsDropped, &ws); err != nil {
		return err
	}
	j.windows, j.ends = map[wjBounds]*wjWindow{}, nil
	for _, x := range ws {
		win := j.window(wjBounds{Start: x.Start, End: x.End})
		for s := range win.rows {
			if len(x.Keys[s]) != len(x.Rows[s]) || len(x.Nulls[s]) != len(x.Rows[s]) {
				return fmt.Errorf("state of %s: window [%d, %d) is inconsistent", j.id, x.Start, x.End)
			}
			for i, row := range x.Rows[s] {
				win.rows[s] = append(win.rows[s], wjRow{key: x.Keys[s][i], null: x.Nulls[s][i], row: row})
			}
		}
	}
	return nil
}

var (
	_ BinaryOperator = (*WindowJoin)(nil)
	_ Stateful       = (*WindowJoin)(nil)
)
