package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	wjLeft  = jtSchema("k", arrow.PrimitiveTypes.Int64, "v", arrow.PrimitiveTypes.Int64, "ts", jtTS, "window_start", jtTS, "window_end", jtTS)
	wjRight = jtSchema("k", arrow.PrimitiveTypes.Int64, "w", arrow.PrimitiveTypes.Int64, "ts", jtTS, "window_start", jtTS, "window_end", jtTS)
)

func wjSpec(typ JoinType) WindowJoinSpec {
	return WindowJoinSpec{ID: "wj", Type: typ, LeftKeys: []int{0}, RightKeys: []int{0},
		LeftStart: 3, LeftEnd: 4, RightStart: 3, RightEnd: 4}
}

func wjCollector(op *WindowJoin) *jtCollector {
	c := newJTCollector(op.Schema(), true)
	c.endCols = []int{4, 9}
	return c
}

func TestWindowJoinHandCase(t *testing.T) {
	mem := jtMem(t)
	for _, typ := range jtJoinTypes {
		t.Run(typ.String(), func(t *testing.T) {
			late := &jtLateLog{}
			op, err := NewWindowJoin(wjLeft, wjRight, wjSpec(typ), mem, late)
			require.NoError(t, err)
			defer op.Close()
			c := wjCollector(op)
			jtSend(t, op, mem, wjLeft, c, 0, nil,
				jtRow{int64(1), int64(10), int64(1), int64(0), int64(10)},
				jtRow{int64(2), int64(11), int64(2), int64(0), int64(10)},
				jtRow{int64(1), int64(12), int64(12), int64(10), int64(20)})
			jtSend(t, op, mem, wjRight, c, 1, nil,
				jtRow{int64(1), int64(20), int64(3), int64(0), int64(10)},
				jtRow{int64(1), int64(21), int64(4), int64(0), int64(10)},
				jtRow{nil, int64(22), int64(5), int64(0), int64(10)},
				jtRow{int64(2), int64(23), int64(15), int64(10), int64(20)})
			require.NoError(t, op.ProcessSide(0, WatermarkMessage(9), c))
			assert.Empty(t, c.changes, "the right watermark holds the window")
			require.NoError(t, op.ProcessSide(1, WatermarkMessage(12), c))
			want := []string{"+I 1,10,1,0,10,1,20,3,0,10", "+I 1,10,1,0,10,1,21,4,0,10"}
			if typ.outer(0) {
				want = append(want, "+I 2,11,2,0,10,∅,∅,∅,∅,∅")
			}
			if typ.outer(1) {
				want = append(want, "+I ∅,∅,∅,∅,∅,∅,22,5,0,10")
			}
			assert.Equal(t, want, c.changes)
			assert.Equal(t, []int64{9}, c.wms, "forwarded after the window's rows")
			assert.Equal(t, int64(2), op.StateRows())
			// A late left row for [0, 10) (its watermark 9 >= 9).
			jtSend(t, op, mem, wjLeft, c, 0, []int64{9}, jtRow{int64(1), int64(13), int64(8), int64(0), int64(10)})
			assert.Equal(t, []string{"wj:1,13,8,0,10"}, late.rows)
			assert.Equal(t, int64(1), op.LateRecordsDropped)
			for side := 0; side < 2; side++ {
				require.NoError(t, op.ProcessSide(side, WatermarkMessage(MaxWatermark), c))
				require.NoError(t, op.ProcessSide(side, EndMessage(), c))
			}
			rest := []string{}
			if typ.outer(0) {
				rest = append(rest, "+I 1,12,12,10,20,∅,∅,∅,∅,∅")
			}
			if typ.outer(1) {
				rest = append(rest, "+I ∅,∅,∅,∅,∅,2,23,15,10,20")
			}
			assert.Equal(t, rest, c.changes[len(want):])
			assert.Equal(t, []int64{9, 12, MaxWatermark}, c.wms, "the left end lets the right watermark through")
			assert.Equal(t, 1, c.ends)
			assert.Zero(t, op.StateRows())
			c.check(t, "run")
		})
	}
}

// wjSide generates the output of a window TVF over an append-only source: times roughly
// 2 ms apart with disorder, some late, some without time (no window); keys sometimes NULL;
// watermark = largest time so far - 5. hop > 0 gives HOP(slide hop, size 10) windows, else
// TUMBLE(10). Each windowed row carries its source row's watermarks.
func wjSide(rng *rand.Rand, n int, hop int64) []jtEvent {
	var evs []jtEvent
	wm := MinWatermark
	val := func(k int) any {
		if rng.Intn(8) == 0 {
			return nil
		}
		return int64(rng.Intn(k))
	}
	for i := 0; i < n; i++ {
		k, v := val(3), val(10)
		before := wm
		if rng.Intn(25) == 0 {
			evs = append(evs, jtEvent{row: jtRow{k, v, nil, nil, nil}, kind: Insert, wmBefore: before, wmAft: wm})
			continue
		}
		ts := int64(2*i + rng.Intn(13) - 6)
		if rng.Intn(20) == 0 {
			ts = int64(2*i - 30)
		}
		wm = max(wm, ts-5)
		var wins [][2]int64
		if hop > 0 {
			for s := ts - ts%hop; s > ts-10; s -= hop {
				wins = append(wins, [2]int64{s, s + 10})
			}
		} else {
			wins = append(wins, [2]int64{ts - ts%10, ts - ts%10 + 10})
		}
		for _, w := range wins {
			evs = append(evs, jtEvent{row: jtRow{k, v, ts, w[0], w[1]}, kind: Insert, wmBefore: before, wmAft: wm})
		}
	}
	return evs
}

func wjLate(e jtEvent) bool {
	end, ok := e.row[4].(int64)
	return !ok || end-1 <= e.wmBefore
}

func wjMatch(residual bool) func(l, r jtRow) bool {
	return func(l, r jtRow) bool {
		if !jtKeysEqual(l, r, []int{0, 3, 4}, []int{0, 3, 4}) {
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

// TestWindowJoinRandomized compares the output with a brute-force join of the rows that
// are not late, for every join type, TUMBLE and HOP, with and without a residual, batch
// sizes 1, 3 and all, and four interleavings.
func TestWindowJoinRandomized(t *testing.T) {
	mem := jtMem(t)
	for seed := int64(1); seed <= 2; seed++ {
		for _, hop := range []int64{0, 5} {
			rng := rand.New(rand.NewSource(seed))
			levs, revs := wjSide(rng, 100, hop), wjSide(rng, 100, hop)
			var lateWant int64
			for _, evs := range [][]jtEvent{levs, revs} {
				for _, e := range evs {
					if wjLate(e) {
						lateWant++
					}
				}
			}
			for _, residual := range []bool{false, true} {
				for _, typ := range jtJoinTypes {
					spec := wjSpec(typ)
					if residual {
						spec.Residual = jtLess(t, 1, 6)
					}
					want := jtRefJoin(typ, jtOnTime(levs, wjLate), jtOnTime(revs, wjLate), 5, 5, wjMatch(residual))
					for _, size := range []int{1, 3, 0} {
						lm, rm := jtMessages(mem, wjLeft, levs, size, true), jtMessages(mem, wjRight, revs, size, true)
						for _, mode := range jtInterleavings {
							name := fmt.Sprintf("seed=%d/hop=%d/res=%v/%s/size=%d/%s", seed, hop, residual, typ, size, mode)
							op, err := NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
							require.NoError(t, err)
							c := wjCollector(op)
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

func TestWindowJoinSnapshotRestore(t *testing.T) {
	mem := jtMem(t)
	rng := rand.New(rand.NewSource(5))
	levs, revs := wjSide(rng, 150, 5), wjSide(rng, 150, 5)
	for _, typ := range jtJoinTypes {
		spec := wjSpec(typ)
		spec.Residual = jtLess(t, 1, 6)
		lm, rm := jtMessages(mem, wjLeft, levs, 3, true), jtMessages(mem, wjRight, revs, 3, true)
		msgs := jtInterleave(lm, rm, "random", 4)

		whole, err := NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
		require.NoError(t, err)
		cw := wjCollector(whole)
		jtRun(t, whole, msgs, cw)
		require.NoError(t, whole.Close())

		first, err := NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
		require.NoError(t, err)
		c := wjCollector(first)
		half := len(msgs) / 2
		jtRun(t, first, msgs[:half], c)
		require.NotZero(t, first.StateRows())
		state, err := first.Snapshot()
		require.NoError(t, err)
		require.NoError(t, first.Close())
		second, err := NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
		require.NoError(t, err)
		require.NoError(t, second.Restore(state))
		jtRun(t, second, msgs[half:], c)
		require.NoError(t, second.Close())
		c.check(t, typ.String())
		assert.Equal(t, jtMaterialized(cw.rows), jtMaterialized(c.rows), typ.String())
		assert.Equal(t, cw.wms, c.wms)
		assert.Equal(t, whole.LateRecordsDropped, second.LateRecordsDropped)
		jtRelease(lm, rm)
	}
}

func TestWindowJoinErrors(t *testing.T) {
	mem := jtMem(t)
	spec := wjSpec(InnerJoin)
	spec.RightEnd = 9
	_, err := NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
	assert.ErrorContains(t, err, "out of range")
	spec = wjSpec(InnerJoin)
	spec.LeftKeys = []int{0, 1}
	_, err = NewWindowJoin(wjLeft, wjRight, spec, mem, nil)
	assert.ErrorContains(t, err, "2 left keys but 1 right keys")
}
