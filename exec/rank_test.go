package exec

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- test helpers shared by the Top-N, dedup and OVER tests (prefix rk) ----

var rkTS = &arrow.TimestampType{Unit: arrow.Millisecond}

// rkBatch builds a batch of schema s from rows of Go values: int64 (also for TIMESTAMP),
// string, float64, bool, nil.
func rkBatch(mem memory.Allocator, s *arrow.Schema, rows [][]any) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for _, row := range rows {
		for j, v := range row {
			fb := b.Field(j)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(int64)))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.Decimal128Builder:
				if err := fb.AppendValueFromString(v.(string)); err != nil {
					panic(err)
				}
			default:
				panic(fmt.Sprintf("rkBatch: %T", fb))
			}
		}
	}
	return b.NewRecordBatch()
}

// rkRender renders Go values the way rkCell renders Arrow cells.
func rkRender(row []any) string {
	parts := make([]string, len(row))
	for j, v := range row {
		switch v := v.(type) {
		case nil:
			parts[j] = "∅"
		case int64:
			parts[j] = strconv.FormatInt(v, 10)
		case int:
			parts[j] = strconv.Itoa(v)
		case string:
			parts[j] = strconv.Quote(v)
		case float64:
			parts[j] = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			parts[j] = strconv.FormatBool(v)
		default:
			panic(fmt.Sprintf("rkRender: %T", v))
		}
	}
	return strings.Join(parts, "|")
}

func rkCell(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "∅"
	}
	switch a := arr.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Timestamp:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.String:
		return strconv.Quote(a.Value(i))
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	}
	return arr.ValueStr(i)
}

func rkRowString(b arrow.RecordBatch, i int) string {
	parts := make([]string, b.NumCols())
	for j := range parts {
		parts[j] = rkCell(b.Column(j), i)
	}
	return strings.Join(parts, "|")
}

// rkCollector checks and materializes an operator's output: every batch matches the
// schema, has no RowWatermarks, watermarks only advance, and (with timeOf) no emitted row
// is late against the last forwarded watermark.
type rkCollector struct {
	t       *testing.T
	schema  *arrow.Schema
	timeOf  func(b arrow.RecordBatch, i int) int64
	rows    map[string]int
	log     []string // "+I row" per output row, in order
	wms     []int64
	ends    int
	lastWM  int64
	updates bool // some row was not an insert
}

func newRKCollector(t *testing.T, schema *arrow.Schema) *rkCollector {
	return &rkCollector{t: t, schema: schema, rows: map[string]int{}, lastWM: MinWatermark}
}

func (c *rkCollector) Emit(m Message) error {
	switch m.Kind {
	case KindBatch:
		require.Zero(c.t, c.ends, "rows after End")
		require.True(c.t, c.schema.Equal(m.Batch.Schema()), "schema %s, want %s", m.Batch.Schema(), c.schema)
		require.Nil(c.t, m.RowWatermarks)
		for i := 0; i < int(m.Batch.NumRows()); i++ {
			k := m.KindOf(i)
			r := rkRowString(m.Batch, i)
			c.log = append(c.log, k.String()+" "+r)
			if k != Insert {
				c.updates = true
			}
			if c.timeOf != nil {
				require.Greater(c.t, c.timeOf(m.Batch, i), c.lastWM, "row %s emitted after watermark %d", r, c.lastWM)
			}
			if k.IsRetract() {
				require.Positive(c.t, c.rows[r], "%s of a row not in the result: %s", k, r)
				if c.rows[r]--; c.rows[r] == 0 {
					delete(c.rows, r)
				}
			} else {
				c.rows[r]++
			}
		}
	case KindWatermark:
		require.Zero(c.t, c.ends)
		require.Greater(c.t, m.Watermark, c.lastWM, "watermark does not advance")
		c.lastWM = m.Watermark
		c.wms = append(c.wms, m.Watermark)
	case KindEnd:
		c.ends++
		require.Equal(c.t, MaxWatermark, c.lastWM, "End before the final watermark")
	}
	return nil
}

// materialized is the current result, sorted.
func (c *rkCollector) materialized() []string {
	var out []string
	for r, n := range c.rows {
		for ; n > 0; n-- {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func rkSorted(rows []string) []string {
	out := append([]string{}, rows...)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// rkStream is an input: rows (kinds nil: inserts) and wms, the watermark just before each
// row, plus the watermark after the last one (len(rows)+1 entries; nil: none).
type rkStream struct {
	schema *arrow.Schema
	rows   [][]any
	kinds  []RowKind
	wms    []int64
}

type rkOp interface {
	Operator
	Stateful
}

// rkRun feeds s to an operator from newOp in batches of size rows (each followed by the
// watermark reached, as the WatermarkAssigner does), then MaxWatermark and End. With
// restartAt >= 0, after the first batch ending at or after row restartAt the operator is
// snapshotted, closed and replaced by a fresh one restored from the snapshot. afterBatch
// (may be nil) is called after each batch with the number of rows fed.
func rkRun(t *testing.T, mem memory.Allocator, newOp func() rkOp, s rkStream, size, restartAt int, c *rkCollector, afterBatch func(end int)) rkOp {
	op := newOp()
	sent := MinWatermark
	n := len(s.rows)
	if size <= 0 {
		size = max(n, 1)
	}
	for start := 0; start < n; start += size {
		end := min(start+size, n)
		b := rkBatch(mem, s.schema, s.rows[start:end])
		m := Message{Kind: KindBatch, Batch: b}
		if s.wms != nil {
			m.RowWatermarks = s.wms[start:end]
		}
		if s.kinds != nil {
			m.Kinds = s.kinds[start:end]
		}
		require.NoError(t, op.Process(m, c))
		b.Release()
		if s.wms != nil && s.wms[end] > sent {
			sent = s.wms[end]
			require.NoError(t, op.Process(WatermarkMessage(sent), c))
		}
		if afterBatch != nil {
			afterBatch(end)
		}
		if restartAt >= 0 && end >= restartAt {
			restartAt = -1
			state, err := op.Snapshot()
			require.NoError(t, err)
			require.NoError(t, op.Close())
			op = newOp()
			require.NoError(t, op.Restore(state))
		}
	}
	require.NoError(t, op.Process(WatermarkMessage(MaxWatermark), c))
	require.NoError(t, op.Process(EndMessage(), c))
	require.Equal(t, 1, c.ends)
	require.NoError(t, op.Close())
	return op
}

// rkLate records what a LateHandler receives.
type rkLate struct {
	rows []string
	wms  []int64
}

func (l *rkLate) Late(op string, b arrow.RecordBatch, rows []int, wms []int64) error {
	for j, i := range rows {
		l.rows = append(l.rows, rkRowString(b, i))
		l.wms = append(l.wms, wms[j])
	}
	return nil
}

// rkSizes are the batch sizes every randomized test runs with (0: all at once).
var rkSizes = []int{1, 3, 0}

// ---- Top-N ----

var rankSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func TestRankUnboundedExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec := RankSpec{ID: "top2", PartitionKeys: []int{0}, OrderKeys: []SortKey{{Col: 1, Desc: true}},
		Low: 1, High: 2, WithRowNumber: true, RowNumberName: "rn", WindowEnd: -1, InputUpdating: true}
	op, err := NewRank(rankSchema, spec, mem, nil)
	require.NoError(t, err)
	assert.Equal(t, "rn", op.Schema().Field(3).Name)
	assert.False(t, op.Schema().Field(3).Nullable)
	c := newRKCollector(t, op.Schema())
	feed := func(kinds []RowKind, rows ...[]any) []string {
		c.log = nil
		b := rkBatch(mem, rankSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(ChangelogMessage(b, kinds), c))
		return c.log
	}
	assert.Equal(t, []string{`+I "a"|5|1|1`}, feed(nil, []any{"a", int64(5), int64(1)}))
	assert.Equal(t, []string{`+I "a"|3|2|2`}, feed(nil, []any{"a", int64(3), int64(2)}))
	// A new best row shifts both numbers.
	assert.Equal(t, []string{`-U "a"|5|1|1`, `+U "a"|7|3|1`, `-U "a"|3|2|2`, `+U "a"|5|1|2`},
		feed(nil, []any{"a", int64(7), int64(3)}))
	// A tie goes after the earlier arrival: out of range, nothing changes.
	assert.Empty(t, feed(nil, []any{"a", int64(5), int64(4)}))
	// Another partition.
	assert.Equal(t, []string{`+I "b"|1|5|1`}, feed(nil, []any{"b", int64(1), int64(5)}))
	// Retracting the best row moves the tie up.
	assert.Equal(t, []string{`-U "a"|7|3|1`, `+U "a"|5|1|1`, `-U "a"|5|1|2`, `+U "a"|5|4|2`},
		feed([]RowKind{Delete}, []any{"a", int64(7), int64(3)}))
	// An update within one batch: -U then +U of the same row id; only the net change.
	assert.Equal(t, []string{`-U "a"|5|4|2`, `+U "a"|4|4|2`},
		feed([]RowKind{UpdateBefore, UpdateAfter}, []any{"a", int64(5), int64(4)}, []any{"a", int64(4), int64(4)}))
	assert.Equal(t, []string{`"a"|4|4|2`, `"a"|5|1|1`, `"b"|1|5|1`}, c.materialized())
	// Deleting the last row of a partition.
	assert.Equal(t, []string{`-D "b"|1|5|1`}, feed([]RowKind{Delete}, []any{"b", int64(1), int64(5)}))
	// Retracting a row that is not there is an error.
	b := rkBatch(mem, rankSchema, [][]any{{"b", int64(1), int64(5)}})
	assert.Error(t, op.Process(ChangelogMessage(b, []RowKind{Delete}), c))
	b.Release()
	require.NoError(t, op.Process(WatermarkMessage(7), c))
	require.NoError(t, op.Process(EndMessage(), c))
	assert.Equal(t, []int64{7, MaxWatermark}, c.wms)
}

func TestRankUnboundedWithoutRowNumber(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec := RankSpec{ID: "top2", PartitionKeys: []int{0}, OrderKeys: []SortKey{{Col: 1}}, Low: 2, High: 3, WindowEnd: -1}
	op, err := NewRank(rankSchema, spec, mem, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, op.Schema().NumFields())
	c := newRKCollector(t, op.Schema())
	feed := func(rows ...[]any) []string {
		c.log = nil
		b := rkBatch(mem, rankSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
		return c.log
	}
	assert.Empty(t, feed([]any{"a", int64(5), int64(1)}))                         // rank 1
	assert.Equal(t, []string{`+I "a"|6|2`}, feed([]any{"a", int64(6), int64(2)})) // rank 2
	assert.Equal(t, []string{`+I "a"|5|1`}, feed([]any{"a", int64(1), int64(3)})) // 1 5 6: 5 and 6
	assert.Equal(t, []string{`-D "a"|6|2`, `+I "a"|2|4`}, feed([]any{"a", int64(2), int64(4)}))
	// NULL sorts first for ASC.
	assert.Equal(t, []string{`-D "a"|5|1`, `+I "a"|1|3`}, feed([]any{"a", nil, int64(5)}))
	// Append-only input keeps only High rows: the state of "a" is 3 rows.
	require.Len(t, op.parts, 1)
	for _, p := range op.parts {
		assert.Equal(t, 3, p.list.n)
	}
	// A retraction on an append-only Top-N is an error.
	b := rkBatch(mem, rankSchema, [][]any{{"a", int64(2), int64(4)}})
	assert.Error(t, op.Process(ChangelogMessage(b, []RowKind{Delete}), c))
	b.Release()
}

func TestRankSpecErrors(t *testing.T) {
	mem := memory.NewGoAllocator()
	_, err := NewRank(rankSchema, RankSpec{Low: 0, High: 3, WindowEnd: -1}, mem, nil)
	assert.Error(t, err)
	_, err = NewRank(rankSchema, RankSpec{Low: 3, High: 2, WindowEnd: -1}, mem, nil)
	assert.Error(t, err)
	_, err = NewRank(rankSchema, RankSpec{Low: 1, High: 2, PartitionKeys: []int{7}, WindowEnd: -1}, mem, nil)
	assert.Error(t, err)
	_, err = NewRank(rankSchema, RankSpec{Low: 1, High: 2, WindowEnd: 0}, mem, nil) // k is not a TIMESTAMP
	assert.Error(t, err)
	nested := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	_, err = NewRank(nested, RankSpec{Low: 1, High: 2, OrderKeys: []SortKey{{Col: 0}}, WindowEnd: -1}, mem, nil)
	assert.Error(t, err)
}

// rankRef is the brute-force Top-N: number the rows of each partition by a stable sort on
// the ORDER BY key (column col, NULL first for ASC, last for DESC) and keep Low..High.
func rankRef(rows [][]any, partOf func(r []any) string, col int, desc bool, low, high int64, withRN bool) []string {
	parts := map[string][][]any{}
	var order []string
	for _, r := range rows {
		p := partOf(r)
		if _, ok := parts[p]; !ok {
			order = append(order, p)
		}
		parts[p] = append(parts[p], r)
	}
	var out []string
	for _, p := range order {
		rs := parts[p]
		slices.SortStableFunc(rs, func(a, b []any) int { return rkCmpNullable(a[col], b[col], desc) })
		for i := low - 1; i < min(high, int64(len(rs))); i++ {
			r := rs[i]
			if withRN {
				r = append(append([]any{}, r...), i+1)
			}
			out = append(out, rkRender(r))
		}
	}
	return rkSorted(out)
}

// rkCmpNullable compares int64-or-nil values, NULL first; desc reverses (NULL last).
func rkCmpNullable(a, b any, desc bool) int {
	var c int
	switch {
	case a == nil && b == nil:
		c = 0
	case a == nil:
		c = -1
	case b == nil:
		c = 1
	default:
		c = cmpInt(a.(int64), b.(int64))
	}
	if desc {
		return -c
	}
	return c
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rkChangelog makes a random updating stream over rankSchema: inserts, and retractions
// (-D, or -U followed by +U of a new row) of rows currently in the result. Values and ids
// are drawn from small ranges, so ties and identical rows are common.
func rkChangelog(rng *rand.Rand, n int, updating bool) ([][]any, []RowKind) {
	var rows [][]any
	var kinds []RowKind
	var live [][]any
	newRow := func() []any {
		var v any = int64(rng.Intn(6))
		if rng.Intn(8) == 0 {
			v = nil
		}
		return []any{[]string{"a", "b", "c"}[rng.Intn(3)], v, int64(rng.Intn(4))}
	}
	for len(rows) < n {
		if !updating || len(live) == 0 || rng.Intn(3) > 0 {
			r := newRow()
			rows, kinds, live = append(rows, r), append(kinds, Insert), append(live, r)
			continue
		}
		j := rng.Intn(len(live))
		old := live[j]
		live = append(live[:j], live[j+1:]...)
		if rng.Intn(2) == 0 {
			rows, kinds = append(rows, old), append(kinds, Delete)
			continue
		}
		r := newRow()
		r[0] = old[0]
		rows, kinds, live = append(rows, old, r), append(kinds, UpdateBefore, UpdateAfter), append(live, r)
	}
	return rows, kinds
}

// rkApply materializes a changelog prefix the way the operator must: a retraction removes
// the earliest-arrived equal row.
func rkApply(rows [][]any, kinds []RowKind) [][]any {
	var cur [][]any
	for i, r := range rows {
		if !kinds[i].IsRetract() {
			cur = append(cur, r)
			continue
		}
		for j, x := range cur {
			if rkRender(x) == rkRender(r) {
				cur = append(cur[:j], cur[j+1:]...)
				break
			}
		}
	}
	return cur
}

func TestRankUnboundedRandom(t *testing.T) {
	for _, updating := range []bool{false, true} {
		for _, withRN := range []bool{false, true} {
			for _, desc := range []bool{false, true} {
				for seed := int64(0); seed < 6; seed++ {
					rng := rand.New(rand.NewSource(seed))
					rows, kinds := rkChangelog(rng, 150, updating)
					low := int64(1 + rng.Intn(2))
					high := low + int64(rng.Intn(3))
					spec := RankSpec{ID: "topn", PartitionKeys: []int{0}, OrderKeys: []SortKey{{Col: 1, Desc: desc}},
						Low: low, High: high, WithRowNumber: withRN, WindowEnd: -1, InputUpdating: updating}
					name := fmt.Sprintf("updating=%v/rn=%v/desc=%v/seed=%d/range=%d..%d", updating, withRN, desc, seed, low, high)
					for _, size := range rkSizes {
						for _, restart := range []int{-1, 70} {
							t.Run(fmt.Sprintf("%s/size=%d/restart=%d", name, size, restart), func(t *testing.T) {
								mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
								defer mem.AssertSize(t, 0)
								newOp := func() rkOp { return must(NewRank(rankSchema, spec, mem, nil)) }
								c := newRKCollector(t, newOp().Schema())
								check := func(end int) {
									want := rankRef(rkApply(rows[:end], kinds[:end]), func(r []any) string { return r[0].(string) }, 1, desc, low, high, withRN)
									require.Equal(t, want, rkSorted(c.materialized()), "after %d rows", end)
								}
								rkRun(t, mem, newOp, rkStream{schema: rankSchema, rows: rows, kinds: kinds}, size, restart, c, check)
								check(len(rows))
							})
						}
					}
				}
			}
		}
	}
}

var rankWindowSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "window_start", Type: rkTS},
	{Name: "window_end", Type: rkTS},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func rkWindowSpec(low, high int64, desc bool) RankSpec {
	return RankSpec{ID: "wtop", PartitionKeys: []int{0, 1, 2}, OrderKeys: []SortKey{{Col: 3, Desc: desc}, {Col: 4}},
		Low: low, High: high, WithRowNumber: true, RowNumberName: "rownum", WindowEnd: 2}
}

func TestRankWindowExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	late := &rkLate{}
	op, err := NewRank(rankWindowSchema, rkWindowSpec(1, 2, true), mem, late)
	require.NoError(t, err)
	c := newRKCollector(t, op.Schema())
	c.timeOf = func(b arrow.RecordBatch, i int) int64 { return int64(b.Column(2).(*array.Timestamp).Value(i)) - 1 }
	feed := func(wms []int64, rows ...[]any) {
		b := rkBatch(mem, rankWindowSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, wms), c))
	}
	feed(nil,
		[]any{"a", int64(0), int64(10), int64(5), int64(1)},
		[]any{"a", int64(0), int64(10), int64(7), int64(2)},
		[]any{"b", int64(0), int64(10), int64(1), int64(3)},
		[]any{"a", int64(10), int64(20), int64(2), int64(4)},
		[]any{"a", int64(0), int64(10), int64(7), int64(0)}, // ties with id 2, sorts before it on id
		[]any{"a", int64(0), int64(10), int64(6), int64(5)},
	)
	assert.Empty(t, c.log)
	require.NoError(t, op.Process(WatermarkMessage(8), c))
	assert.Empty(t, c.log)
	require.NoError(t, op.Process(WatermarkMessage(9), c))
	assert.Equal(t, []string{`+I "a"|0|10|7|0|1`, `+I "a"|0|10|7|2|2`, `+I "b"|0|10|1|3|1`}, c.log)
	assert.Equal(t, []int64{8, 9}, c.wms)
	// A row for the fired window is late (by the message's watermark), one with a row
	// watermark below 19 is not.
	feed([]int64{9, 9}, []any{"b", int64(0), int64(10), int64(9), int64(6)}, []any{"a", int64(10), int64(20), int64(9), int64(7)})
	assert.Equal(t, int64(1), op.LateRecordsDropped)
	assert.Equal(t, []string{`"b"|0|10|9|6`}, late.rows)
	assert.Equal(t, []int64{9}, late.wms)
	c.log = nil
	require.NoError(t, op.Process(EndMessage(), c))
	assert.Equal(t, []string{`+I "a"|10|20|9|7|1`, `+I "a"|10|20|2|4|2`}, c.log)
	assert.Equal(t, []int64{8, 9, MaxWatermark}, c.wms)
	assert.Equal(t, 1, c.ends)
}

func TestRankWindowRandom(t *testing.T) {
	for seed := int64(0); seed < 12; seed++ {
		rng := rand.New(rand.NewSource(seed))
		// Rows as a window aggregation or window TVF would produce them, somewhat out of
		// order, with per-row watermarks; some rows are late.
		n := 300
		var rows [][]any
		wms := []int64{MinWatermark}
		maxT := int64(0)
		for i := 0; i < n; i++ {
			ts := int64(i/3) - int64(rng.Intn(12))
			end := (ts/10 + 1) * 10
			var v any = int64(rng.Intn(8))
			if rng.Intn(10) == 0 {
				v = nil
			}
			rows = append(rows, []any{[]string{"a", "b"}[rng.Intn(2)], end - 10, end, v, int64(i)})
			maxT = max(maxT, ts)
			wms = append(wms, max(wms[len(wms)-1], maxT-int64(rng.Intn(6))))
		}
		low := int64(1 + rng.Intn(2))
		high := low + int64(rng.Intn(3))
		desc := seed%2 == 0
		spec := rkWindowSpec(low, high, desc)
		spec.OrderKeys = spec.OrderKeys[:1] // ties in v keep arrival order
		// Reference: drop late rows, rank per (k, window).
		var kept [][]any
		for i, r := range rows {
			if r[2].(int64)-1 > wms[i] {
				kept = append(kept, r)
			}
		}
		want := rankRef(kept, func(r []any) string { return fmt.Sprint(r[0], r[2]) }, 3, desc, low, high, true)
		for _, reorder := range []bool{false, true} {
			ks := spec
			if reorder { // the order of the partition keys does not matter
				ks.PartitionKeys = []int{2, 0}
			}
			for _, size := range rkSizes {
				for _, restart := range []int{-1, 150} {
					t.Run(fmt.Sprintf("seed=%d/size=%d/restart=%d/reorder=%v", seed, size, restart, reorder), func(t *testing.T) {
						mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
						defer mem.AssertSize(t, 0)
						newOp := func() rkOp { return must(NewRank(rankWindowSchema, ks, mem, nil)) }
						c := newRKCollector(t, newOp().Schema())
						c.timeOf = func(b arrow.RecordBatch, i int) int64 { return int64(b.Column(2).(*array.Timestamp).Value(i)) - 1 }
						op := rkRun(t, mem, newOp, rkStream{schema: rankWindowSchema, rows: rows, wms: wms}, size, restart, c, nil)
						assert.Equal(t, want, c.materialized())
						assert.False(t, c.updates)
						if restart < 0 {
							assert.Equal(t, int64(n-len(kept)), op.(*Rank).LateRecordsDropped)
						}
					})
				}
			}
		}
	}
}

func TestRankOrderKeyEncoding(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	enc := func(arr arrow.Array, desc bool) []string {
		var out []string
		for i := 0; i < arr.Len(); i++ {
			out = append(out, string(appendOrderKey(nil, arr, i, desc)))
		}
		return out
	}
	// Each array is in ascending order (NULL first); equal neighbours must encode equal.
	ib := array.NewInt64Builder(mem)
	ib.AppendNull()
	ib.AppendValues([]int64{math.MinInt64, -5, -1, 0, 1, 300, math.MaxInt64}, nil)
	fb := array.NewFloat64Builder(mem)
	fb.AppendNull()
	fb.AppendValues([]float64{math.Inf(-1), -2.5, -1e-300, math.Copysign(0, -1), 0, 1e-300, 3, math.Inf(1), math.NaN()}, nil)
	sb := array.NewStringBuilder(mem)
	sb.AppendNull()
	sb.AppendValues([]string{"", "\x00", "\x00\x00", "\x00a", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "é"}, nil)
	i32 := array.NewInt32Builder(mem)
	i32.AppendValues([]int32{math.MinInt32, -1, 0, 7}, nil)
	bb := array.NewBooleanBuilder(mem)
	bb.AppendValues([]bool{false, true}, nil)
	db := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 10, Scale: 2})
	for _, s := range []string{"-99.99", "-0.01", "0", "0.01", "12.50"} {
		require.NoError(t, db.AppendValueFromString(s))
	}
	for _, b := range []array.Builder{ib, fb, sb, i32, bb, db} {
		arr := b.NewArray()
		b.Release()
		asc, desc := enc(arr, false), enc(arr, true)
		for i := 1; i < len(asc); i++ {
			eq := arr.IsValid(i) && arr.IsValid(i-1) && arr.ValueStr(i) == arr.ValueStr(i-1) ||
				arr.DataType().ID() == arrow.FLOAT64 && arr.(*array.Float64).Value(i) == 0 && arr.(*array.Float64).Value(i-1) == 0
			if eq {
				assert.Equal(t, asc[i-1], asc[i], "%s: %d", arr.DataType(), i)
				continue
			}
			assert.Less(t, asc[i-1], asc[i], "%s: %s < %s", arr.DataType(), arr.ValueStr(i-1), arr.ValueStr(i))
			assert.Greater(t, desc[i-1], desc[i], "%s desc: %d", arr.DataType(), i)
		}
		arr.Release()
	}
	// Concatenated keys compare as tuples: ("a", 2) < ("a\x00", 1) and ("ab" DESC, ...).
	s := rkBatch(mem, arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil),
		[][]any{{"a", int64(2)}, {"a\x00", int64(1)}, {"a", nil}})
	defer s.Release()
	key := func(i int, desc bool) []byte {
		return appendOrderKey(appendOrderKey(nil, s.Column(0), i, desc), s.Column(1), i, false)
	}
	assert.Equal(t, -1, bytes.Compare(key(0, false), key(1, false)))
	assert.Equal(t, 1, bytes.Compare(key(0, true), key(1, true)))
	assert.Equal(t, -1, bytes.Compare(key(2, false), key(0, false)), "NULL first in the second key")
}

// TestRankListChunks drives the chunked sorted list through splits and merges against a
// plain sorted slice, with keys shorter than the inline prefix and keys longer than it.
func TestRankListChunks(t *testing.T) {
	for _, width := range []int{4, 20} {
		rng := rand.New(rand.NewSource(1))
		var l rankList
		var ref []rankEntry
		for step := 0; step < 20000; step++ {
			if len(ref) > 0 && (rng.Intn(3) == 0 || len(ref) > 3000) {
				e := ref[rng.Intn(len(ref))]
				k := newRankKey(e.Key)
				ci, i, ok := l.find(&k, e.Row)
				require.True(t, ok)
				// find returns the earliest equal row.
				first := slices.IndexFunc(ref, func(x rankEntry) bool { return x.Key == e.Key && x.Row == e.Row })
				require.Equal(t, first, l.pos(ci, i, math.MaxInt))
				l.removeAt(ci, i)
				ref = append(ref[:first], ref[first+1:]...)
			} else {
				k := newRankKey(fmt.Sprintf("%0*d", width, rng.Intn(500)))
				e := rankEntry{Pfx: k.pfx, Key: k.key, Row: strconv.Itoa(rng.Intn(3))}
				ci, i := l.upper(&k)
				at := sort.Search(len(ref), func(j int) bool { return ref[j].Key > e.Key })
				require.Equal(t, at, l.pos(ci, i, math.MaxInt))
				require.Equal(t, min(at, 10), l.pos(ci, i, 10))
				l.insertAt(ci, i, e)
				ref = slices.Insert(ref, at, e)
			}
			if step%997 == 0 {
				require.Equal(t, ref, l.all())
				require.Equal(t, append([]rankEntry(nil), ref[min(5, len(ref)):min(9, len(ref))]...), l.appendRange(nil, 5, 9))
				for _, ch := range l.chunks {
					require.NotEmpty(t, ch)
					require.LessOrEqual(t, len(ch), 2*rankChunk)
				}
			}
			require.Equal(t, len(ref), l.n)
		}
		k := newRankKey("zzzz")
		_, _, ok := l.find(&k, "0")
		assert.False(t, ok)
	}
}

// BenchmarkRankUnbounded is an unbounded Top-3 per key (with row numbers) over 1M rows and
// 1,000 keys, in 8192-row batches: an append-only input (the operator keeps 3 rows per
// key) and an updating one where a third of the rows retract an earlier row (every row
// is kept).
func BenchmarkRankUnbounded(b *testing.B) {
	for _, updating := range []bool{false, true} {
		b.Run(fmt.Sprintf("updating=%v", updating), func(b *testing.B) { benchRank(b, updating) })
	}
}

func benchRank(b *testing.B, updating bool) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Int64},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	const total, batch, keys = 1 << 20, 8192, 1000
	rng := rand.New(rand.NewSource(1))
	var batches []Message
	var live [][3]int64
	for done := 0; done < total; done += batch {
		kb, pb, ib := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		var kinds []RowKind
		for i := 0; i < batch; i++ {
			r := [3]int64{int64(rng.Intn(keys)), int64(rng.Intn(1_000_000)), int64(done + i)}
			kind := Insert
			if updating && len(live) > 0 && rng.Intn(3) == 0 {
				j := rng.Intn(len(live))
				r, live[j] = live[j], live[len(live)-1]
				live = live[:len(live)-1]
				kind = Delete
			} else if updating {
				live = append(live, r)
			}
			kb.Append(r[0])
			pb.Append(r[1])
			ib.Append(r[2])
			kinds = append(kinds, kind)
		}
		rec := array.NewRecordBatch(schema, []arrow.Array{kb.NewArray(), pb.NewArray(), ib.NewArray()}, batch)
		if !updating {
			kinds = nil
		}
		batches = append(batches, ChangelogMessage(rec, kinds))
	}
	spec := RankSpec{ID: "bench", PartitionKeys: []int{0}, OrderKeys: []SortKey{{Col: 1, Desc: true}}, Low: 1, High: 3,
		WithRowNumber: true, WindowEnd: -1, InputUpdating: updating}
	discard := EmitFunc(func(Message) error { return nil })
	b.ResetTimer()
	n := 0
	for b.Loop() {
		op, err := NewRank(schema, spec, mem, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range batches {
			if err := op.Process(m, discard); err != nil {
				b.Fatal(err)
			}
		}
		if err := op.Process(EndMessage(), discard); err != nil {
			b.Fatal(err)
		}
		n += total
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
