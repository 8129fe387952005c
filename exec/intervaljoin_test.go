package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	ijLeft  = jtSchema("k", arrow.PrimitiveTypes.Int64, "v", arrow.PrimitiveTypes.Int64, "ts", jtTS)
	ijRight = jtSchema("k", arrow.PrimitiveTypes.Int64, "w", arrow.PrimitiveTypes.Int64, "ts", jtTS)
)

// jtLateLog is a LateHandler that records what it is handed.
type jtLateLog struct {
	rows []string
	wms  []int64
}

func (l *jtLateLog) Late(op string, b arrow.RecordBatch, rows []int, wms []int64) error {
	for i, r := range rows {
		vals := make([]any, b.NumCols())
		for c := range vals {
			vals[c] = jtCell(b.Column(c), r)
		}
		l.rows = append(l.rows, op+":"+jtRender(vals...))
		l.wms = append(l.wms, wms[i])
	}
	return nil
}

// jtSend feeds one batch of rows with their row watermarks to side of op.
func jtSend(t *testing.T, op BinaryOperator, mem memory.Allocator, s *arrow.Schema, c Emitter, side int, rowWMs []int64, rows ...jtRow) {
	t.Helper()
	b := jtBatch(mem, s, rows)
	defer b.Release()
	require.NoError(t, op.ProcessSide(side, BatchMessage(b, rowWMs), c))
}

func TestIntervalJoinHandCase(t *testing.T) {
	mem := jtMem(t)
	late := &jtLateLog{}
	op, err := NewIntervalJoin(ijLeft, ijRight, IntervalJoinSpec{ID: "ij", Type: LeftJoin, LeftKeys: []int{0}, RightKeys: []int{0},
		LeftTime: 2, RightTime: 2, Lower: -2, Upper: 3}, mem, late)
	require.NoError(t, err)
	defer op.Close()
	c := newJTCollector(op.Schema(), true, 2, 5)
	jtSend(t, op, mem, ijLeft, c, 0, nil, jtRow{int64(1), int64(10), int64(100)}, jtRow{int64(2), int64(11), int64(100)}, jtRow{nil, int64(12), int64(101)})
	assert.Equal(t, []string{"+I ∅,12,101,∅,∅,∅"}, c.changes, "a NULL key never matches: padded at once")
	jtSend(t, op, mem, ijRight, c, 1, nil,
		jtRow{int64(1), int64(20), int64(103)}, // 103-100 = 3: in
		jtRow{int64(1), int64(21), int64(104)}, // 4 > 3: out
		jtRow{int64(1), int64(22), int64(98)})  // -2: in
	assert.Equal(t, []string{"+I 1,10,100,1,20,103", "+I 1,10,100,1,22,98"}, c.changes[1:])
	assert.Equal(t, int64(5), op.StateRows())
	require.NoError(t, op.ProcessSide(0, WatermarkMessage(200), c))
	assert.Empty(t, c.wms, "the right watermark is still unknown")
	// Right watermark 102: left rows stay until it reaches 103.
	require.NoError(t, op.ProcessSide(1, WatermarkMessage(102), c))
	assert.Equal(t, []int64{99}, c.wms, "min(200, 102) - 3")
	assert.Len(t, c.changes, 3)
	require.NoError(t, op.ProcessSide(1, WatermarkMessage(103), c))
	assert.Equal(t, []string{"+I 2,11,100,∅,∅,∅"}, c.changes[3:], "left row 2 is evicted unmatched")
	assert.Equal(t, []int64{99, 100}, c.wms)
	assert.Zero(t, op.StateRows(), "left rows gone at right wm 103; right rows at left wm 200")
	// A late right row (its watermark 103 >= 103) and one without time.
	jtSend(t, op, mem, ijRight, c, 1, []int64{103, 103}, jtRow{int64(1), int64(23), int64(103)}, jtRow{int64(1), int64(24), nil})
	assert.Equal(t, int64(2), op.LateRecordsDropped)
	assert.Equal(t, []string{"ij:1,23,103", "ij:1,24,∅"}, late.rows)
	assert.Equal(t, []int64{103, MinWatermark}, late.wms)
	c.check(t, "run")
}

// ijSide generates an append-only side: times roughly 2 ms apart with disorder, some rows
// late (far behind), some without time, some with a NULL key; the watermark is the
// largest time so far - 5.
func ijSide(rng *rand.Rand, n int) []jtEvent {
	var evs []jtEvent
	wm := MinWatermark
	val := func(k int) any {
		if rng.Intn(8) == 0 {
			return nil
		}
		return int64(rng.Intn(k))
	}
	for i := 0; i < n; i++ {
		ts := any(int64(2*i + rng.Intn(13) - 6))
		switch rng.Intn(20) {
		case 0:
			ts = int64(2*i - 30)
		case 1:
			ts = nil
		}
		e := jtEvent{row: jtRow{val(3), val(10), ts}, kind: Insert, wmBefore: wm}
		if t, ok := ts.(int64); ok {
			wm = max(wm, t-5)
		}
		e.wmAft = wm
		evs = append(evs, e)
	}
	return evs
}

// jtOnTime are the rows of events that are not late (time column tc).
func jtOnTime(evs []jtEvent, late func(e jtEvent) bool) []jtRow {
	var rows []jtRow
	for _, e := range evs {
		if !late(e) {
			rows = append(rows, e.row)
		}
	}
	return rows
}

func ijLate(e jtEvent) bool {
	ts, ok := e.row[2].(int64)
	return !ok || ts <= e.wmBefore
}

func ijMatch(lower, upper int64, residual bool) func(l, r jtRow) bool {
	return func(l, r jtRow) bool {
		if !jtKeysEqual(l, r, []int{0}, []int{0}) {
			return false
		}
		d := r[2].(int64) - l[2].(int64)
		if d < lower || d > upper {
			return false
		}
		if residual {
			v, ok1 := l[1].(int64)
			w, ok2 := r[1].(int64)
			return ok1 && ok2 && v < w
		}
		return true
	}
}

// TestIntervalJoinRandomized compares the output with a brute-force join of the rows that
// are not late, for every join type, several bounds, with and without a residual, batch
// sizes 1, 3 and all, and four interleavings; no output row may be late against the
// output watermark, and all state is gone at the end.
func TestIntervalJoinRandomized(t *testing.T) {
	mem := jtMem(t)
	bounds := [][2]int64{{-5, 5}, {0, 10}, {3, 8}, {-8, -3}, {0, 0}}
	for seed := int64(1); seed <= 2; seed++ {
		rng := rand.New(rand.NewSource(seed))
		levs, revs := ijSide(rng, 90), ijSide(rng, 90)
		var lateWant int64
		for _, evs := range [][]jtEvent{levs, revs} {
			for _, e := range evs {
				if ijLate(e) {
					lateWant++
				}
			}
		}
		for _, bd := range bounds {
			for _, residual := range []bool{false, true} {
				for _, typ := range jtJoinTypes {
					spec := IntervalJoinSpec{ID: "ij", Type: typ, LeftKeys: []int{0}, RightKeys: []int{0},
						LeftTime: 2, RightTime: 2, Lower: bd[0], Upper: bd[1]}
					if residual {
						spec.Residual = jtLess(t, 1, 4)
					}
					want := jtRefJoin(typ, jtOnTime(levs, ijLate), jtOnTime(revs, ijLate), 3, 3, ijMatch(bd[0], bd[1], residual))
					for _, size := range []int{1, 3, 0} {
						lm, rm := jtMessages(mem, ijLeft, levs, size, true), jtMessages(mem, ijRight, revs, size, true)
						for _, mode := range jtInterleavings {
							name := fmt.Sprintf("seed=%d/bounds=%v/res=%v/%s/size=%d/%s", seed, bd, residual, typ, size, mode)
							op, err := NewIntervalJoin(ijLeft, ijRight, spec, mem, nil)
							require.NoError(t, err)
							c := newJTCollector(op.Schema(), true, 2, 5)
							jtRun(t, op, jtInterleave(lm, rm, mode, seed), c)
							c.check(t, name)
							require.Equal(t, jtMaterialized(want), jtMaterialized(c.rows), name)
							require.Equal(t, 1, c.ends, name)
							require.Equal(t, lateWant, op.LateRecordsDropped, name)
							require.Zero(t, op.StateRows(), name)
							require.NoError(t, op.Close())
						}
						jtRelease(lm, rm)
					}
				}
			}
		}
	}
}

func TestIntervalJoinSnapshotRestore(t *testing.T) {
	mem := jtMem(t)
	rng := rand.New(rand.NewSource(9))
	levs, revs := ijSide(rng, 150), ijSide(rng, 150)
	for _, typ := range jtJoinTypes {
		spec := IntervalJoinSpec{ID: "ij", Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTime: 2, RightTime: 2, Lower: -4, Upper: 6,
			Residual: jtLess(t, 1, 4)}
		lm, rm := jtMessages(mem, ijLeft, levs, 3, true), jtMessages(mem, ijRight, revs, 3, true)
		msgs := jtInterleave(lm, rm, "random", 3)

		whole, err := NewIntervalJoin(ijLeft, ijRight, spec, mem, nil)
		require.NoError(t, err)
		cw := newJTCollector(whole.Schema(), true, 2, 5)
		jtRun(t, whole, msgs, cw)
		require.NoError(t, whole.Close())

		first, err := NewIntervalJoin(ijLeft, ijRight, spec, mem, nil)
		require.NoError(t, err)
		c := newJTCollector(first.Schema(), true, 2, 5)
		half := len(msgs) / 2
		jtRun(t, first, msgs[:half], c)
		require.NotZero(t, first.StateRows())
		state, err := first.Snapshot()
		require.NoError(t, err)
		require.NoError(t, first.Close())
		second, err := NewIntervalJoin(ijLeft, ijRight, spec, mem, nil)
		require.NoError(t, err)
		require.NoError(t, second.Restore(state))
		jtRun(t, second, msgs[half:], c)
		require.NoError(t, second.Close())
		c.check(t, typ.String())
		assert.Equal(t, jtMaterialized(cw.rows), jtMaterialized(c.rows), typ.String())
		assert.Equal(t, whole.LateRecordsDropped, second.LateRecordsDropped)
		jtRelease(lm, rm)
	}
}

func TestIntervalJoinErrors(t *testing.T) {
	mem := jtMem(t)
	_, err := NewIntervalJoin(ijLeft, ijRight, IntervalJoinSpec{LeftTime: 1, RightTime: 2, Lower: 0, Upper: 1}, mem, nil)
	assert.NoError(t, err, "a BIGINT column holds ms too")
	_, err = NewIntervalJoin(ijLeft, jtRight, IntervalJoinSpec{LeftTime: 2, RightTime: 1}, mem, nil)
	assert.ErrorContains(t, err, "not a timestamp")
	_, err = NewIntervalJoin(ijLeft, ijRight, IntervalJoinSpec{LeftTime: 2, RightTime: 2, Lower: 2, Upper: 1}, mem, nil)
	assert.ErrorContains(t, err, "lower bound")
	op, err := NewIntervalJoin(ijLeft, ijRight, IntervalJoinSpec{LeftTime: 2, RightTime: 2}, mem, nil)
	require.NoError(t, err)
	defer op.Close()
	b := jtBatch(mem, ijLeft, []jtRow{{int64(1), int64(1), int64(1)}})
	defer b.Release()
	assert.ErrorContains(t, op.ProcessSide(0, ChangelogMessage(b, []RowKind{Delete}), EmitFunc(func(Message) error { return nil })), "append-only")
}
