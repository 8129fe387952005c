package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var dedupSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: rkTS, Nullable: true},
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func dedupTime(b arrow.RecordBatch, i int) int64 {
	return int64(b.Column(1).(*array.Timestamp).Value(i))
}

func TestDedupKeepFirstExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	late := &rkLate{}
	spec := DedupSpec{ID: "first", Keys: []int{0}, TimeCol: 1, WithRowNumber: true}
	op, err := NewDeduplicate(dedupSchema, spec, mem, late)
	require.NoError(t, err)
	assert.Equal(t, "rn", op.Schema().Field(3).Name)
	c := newRKCollector(t, op.Schema())
	c.timeOf = dedupTime
	feed := func(wms []int64, rows ...[]any) {
		b := rkBatch(mem, dedupSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, wms), c))
	}
	feed(nil,
		[]any{"a", int64(5), int64(1)},
		[]any{"a", int64(3), int64(2)}, // earlier: the new candidate
		[]any{"b", int64(4), int64(3)},
		[]any{"a", int64(3), int64(4)}, // tie: the first arrival stays
		[]any{nil, int64(6), int64(5)}, // a NULL key is a key
		[]any{"c", nil, int64(6)},      // no event time: dropped
	)
	assert.Empty(t, c.log)
	require.NoError(t, op.Process(WatermarkMessage(3), c))
	assert.Equal(t, []string{`+I "a"|3|2|1`}, c.log)
	// b's row at 2 is late (its watermark 3); a is done: its later rows are ignored.
	feed([]int64{3, 3, 3}, []any{"b", int64(2), int64(7)}, []any{"a", int64(4), int64(8)}, []any{"b", int64(3), int64(9)})
	assert.Equal(t, int64(3), op.LateRecordsDropped)
	assert.Equal(t, []string{`"c"|∅|6`, `"b"|2|7`, `"b"|3|9`}, late.rows)
	assert.Equal(t, []int64{MinWatermark, 3, 3}, late.wms)
	require.NoError(t, op.Process(WatermarkMessage(5), c))
	assert.Equal(t, []string{`+I "a"|3|2|1`, `+I "b"|4|3|1`}, c.log)
	require.NoError(t, op.Process(EndMessage(), c))
	assert.Equal(t, []string{`+I "a"|3|2|1`, `+I "b"|4|3|1`, `+I ∅|6|5|1`}, c.log)
	assert.Equal(t, []int64{3, 5, MaxWatermark}, c.wms)
}

func TestDedupKeepLastExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec := DedupSpec{ID: "last", Keys: []int{0}, TimeCol: 1, KeepLast: true}
	op, err := NewDeduplicate(dedupSchema, spec, mem, nil)
	require.NoError(t, err)
	c := newRKCollector(t, op.Schema())
	feed := func(rows ...[]any) []string {
		c.log = nil
		b := rkBatch(mem, dedupSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
		return c.log
	}
	assert.Equal(t, []string{`+I "a"|5|1`}, feed([]any{"a", int64(5), int64(1)}))
	assert.Empty(t, feed([]any{"a", int64(4), int64(2)}), "older row")
	assert.Equal(t, []string{`-U "a"|5|1`, `+U "a"|5|3`}, feed([]any{"a", int64(5), int64(3)}), "tie: the later arrival wins")
	require.NoError(t, op.Process(WatermarkMessage(100), c))
	// No lateness: a row far behind the watermark still wins when it is the latest.
	assert.Equal(t, []string{`+I "b"|1|4`, `-U "a"|5|3`, `+U "a"|9|6`},
		feed([]any{"b", int64(1), int64(4)}, []any{"a", int64(7), int64(5)}, []any{"a", int64(9), int64(6)}))
	assert.Empty(t, feed([]any{"a", int64(9), int64(6)}), "the same row again changes nothing")
	assert.Equal(t, []string{`"a"|9|6`, `"b"|1|4`}, c.materialized())
	require.NoError(t, op.Process(EndMessage(), c))
	assert.Equal(t, []int64{100, MaxWatermark}, c.wms)
}

func TestDedupSpecErrors(t *testing.T) {
	mem := memory.NewGoAllocator()
	_, err := NewDeduplicate(dedupSchema, DedupSpec{Keys: []int{0}, TimeCol: 0}, mem, nil)
	assert.Error(t, err, "k is not a time column")
	_, err = NewDeduplicate(dedupSchema, DedupSpec{Keys: []int{5}, TimeCol: 1}, mem, nil)
	assert.Error(t, err)
	op, err := NewDeduplicate(dedupSchema, DedupSpec{Keys: []int{0}, TimeCol: 1}, mem, nil)
	require.NoError(t, err)
	b := rkBatch(mem, dedupSchema, [][]any{{"a", int64(1), int64(1)}})
	defer b.Release()
	assert.Error(t, op.Process(ChangelogMessage(b, []RowKind{Delete}), EmitFunc(func(Message) error { return nil })))
}

// dedupStream is a random out-of-order stream with per-row watermarks; some rows are late.
func dedupStream(rng *rand.Rand, n int) rkStream {
	var rows [][]any
	wms := []int64{MinWatermark}
	maxT := int64(0)
	for i := 0; i < n; i++ {
		ts := int64(i/2) - int64(rng.Intn(10))
		rows = append(rows, []any{[]string{"a", "b", "c", "d", "e"}[rng.Intn(5)], ts, int64(i)})
		maxT = max(maxT, ts)
		wms = append(wms, max(wms[len(wms)-1], maxT-int64(rng.Intn(8))))
	}
	return rkStream{schema: dedupSchema, rows: rows, wms: wms}
}

// dedupRef is the brute-force result of rows[:end]: per key the row with the smallest
// (keep first, among rows that are not late) or largest (keep last) time; ties: the first
// arrival for keep first, the last for keep last.
func dedupRef(s rkStream, end int, keepLast bool) []string {
	best := map[string][]any{}
	for i, r := range s.rows[:end] {
		ts := r[1].(int64)
		if !keepLast && ts <= s.wms[i] {
			continue
		}
		k := r[0].(string)
		b, ok := best[k]
		if !ok || keepLast && ts >= b[1].(int64) || !keepLast && ts < b[1].(int64) {
			best[k] = r
		}
	}
	var out []string
	for _, r := range best {
		out = append(out, rkRender(r))
	}
	return rkSorted(out)
}

func TestDedupRandom(t *testing.T) {
	for _, keepLast := range []bool{false, true} {
		for seed := int64(0); seed < 10; seed++ {
			s := dedupStream(rand.New(rand.NewSource(seed)), 200)
			spec := DedupSpec{ID: "dedup", Keys: []int{0}, TimeCol: 1, KeepLast: keepLast}
			for _, size := range rkSizes {
				for _, restart := range []int{-1, 100} {
					t.Run(fmt.Sprintf("last=%v/seed=%d/size=%d/restart=%d", keepLast, seed, size, restart), func(t *testing.T) {
						mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
						defer mem.AssertSize(t, 0)
						newOp := func() rkOp { return must(NewDeduplicate(dedupSchema, spec, mem, nil)) }
						c := newRKCollector(t, newOp().Schema())
						if !keepLast {
							c.timeOf = dedupTime
						}
						var check func(int)
						if keepLast { // the result is complete after every batch
							check = func(end int) {
								require.Equal(t, dedupRef(s, end, true), rkSorted(c.materialized()), "after %d rows", end)
							}
						}
						op := rkRun(t, mem, newOp, s, size, restart, c, check)
						assert.Equal(t, dedupRef(s, len(s.rows), keepLast), rkSorted(c.materialized()))
						assert.Equal(t, keepLast && size != 0, c.updates, "all at once: inserts only")
						if !keepLast {
							assert.Equal(t, len(c.log), len(c.materialized()), "append-only: one row per key")
							late := 0
							for i, r := range s.rows {
								if r[1].(int64) <= s.wms[i] {
									late++
								}
							}
							assert.Equal(t, int64(late), op.(*Deduplicate).LateRecordsDropped)
						}
					})
				}
			}
		}
	}
}
