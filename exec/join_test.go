package exec

import (
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec/expr"
)

// Test helpers shared by the join tests (join_test.go, intervaljoin_test.go,
// windowjoin_test.go). Values of test rows are int64, string or nil (NULL); timestamps
// are int64 ms.

type jtRow []any

var jtTS = &arrow.TimestampType{Unit: arrow.Millisecond}

func jtSchema(fields ...any) *arrow.Schema {
	var fs []arrow.Field
	for i := 0; i < len(fields); i += 2 {
		fs = append(fs, arrow.Field{Name: fields[i].(string), Type: fields[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}

func jtMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func jtBatch(mem memory.Allocator, s *arrow.Schema, rows []jtRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for _, r := range rows {
		for c, v := range r {
			f := b.Field(c)
			if v == nil {
				f.AppendNull()
				continue
			}
			switch fb := f.(type) {
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(int64)))
			default:
				panic(fmt.Sprintf("jtBatch: %T", f))
			}
		}
	}
	return b.NewRecordBatch()
}

// jtRender renders Go values as a row string, NULL as ∅.
func jtRender(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
			parts[i] = "∅"
		case int64:
			parts[i] = strconv.FormatInt(v, 10)
		case string:
			parts[i] = v
		}
	}
	return strings.Join(parts, ",")
}

func jtCell(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	}
	panic(fmt.Sprintf("jtCell: %T", a))
}

// jtEvent is one row of a side's input stream: its kind and the watermarks just before and
// just after it at the source.
type jtEvent struct {
	row             jtRow
	kind            RowKind
	wmBefore, wmAft int64
}

// jtMessages cuts a side's events into batches of size (0: all), each followed by a
// watermark message when the watermark advanced, then MaxWatermark and End.
func jtMessages(mem memory.Allocator, s *arrow.Schema, evs []jtEvent, size int, rowWMs bool) []Message {
	if size <= 0 {
		size = max(1, len(evs))
	}
	var msgs []Message
	sent := MinWatermark
	for lo := 0; lo < len(evs); lo += size {
		hi := min(len(evs), lo+size)
		var rows []jtRow
		var kinds []RowKind
		var wms []int64
		update := false
		for _, e := range evs[lo:hi] {
			rows = append(rows, e.row)
			kinds = append(kinds, e.kind)
			wms = append(wms, e.wmBefore)
			update = update || e.kind != Insert
		}
		m := BatchMessage(jtBatch(mem, s, rows), nil)
		if rowWMs {
			m.RowWatermarks = wms
		}
		if update {
			m.Kinds = kinds
		}
		msgs = append(msgs, m)
		if wm := evs[hi-1].wmAft; wm > sent {
			sent = wm
			msgs = append(msgs, WatermarkMessage(wm))
		}
	}
	return append(msgs, WatermarkMessage(MaxWatermark), EndMessage())
}

func jtRelease(msgs ...[]Message) {
	for _, ms := range msgs {
		for _, m := range ms {
			if m.Batch != nil {
				m.Batch.Release()
			}
		}
	}
}

type jtMsg struct {
	side int
	m    Message
}

// jtInterleavings are the orders the tests feed the two inputs in.
var jtInterleavings = []string{"left-first", "right-first", "alternate", "random"}

func jtInterleave(l, r []Message, mode string, seed int64) []jtMsg {
	var out []jtMsg
	add := func(side int, ms []Message) {
		for _, m := range ms {
			out = append(out, jtMsg{side, m})
		}
	}
	switch mode {
	case "left-first":
		add(0, l)
		add(1, r)
	case "right-first":
		add(1, r)
		add(0, l)
	case "alternate":
		for i := 0; i < max(len(l), len(r)); i++ {
			if i < len(l) {
				add(0, l[i:i+1])
			}
			if i < len(r) {
				add(1, r[i:i+1])
			}
		}
	case "random":
		rng := rand.New(rand.NewSource(seed))
		i, k := 0, 0
		for i < len(l) || k < len(r) {
			if k == len(r) || (i < len(l) && rng.Intn(2) == 0) {
				add(0, l[i:i+1])
				i++
			} else {
				add(1, r[k:k+1])
				k++
			}
		}
	default:
		panic(mode)
	}
	return out
}

// jtCollector checks and materializes a join's output: every batch has the operator's
// schema, retractions remove a row present, watermarks advance, End comes once, last; rows
// are not late against the last forwarded watermark in the given time columns.
type jtCollector struct {
	schema     *arrow.Schema
	appendOnly bool
	timeCols   []int
	endCols    []int // window_end columns: a row is late when window_end - 1 <= the watermark
	rows       map[string]int
	changes    []string
	wms        []int64
	ends       int
	lastWM     int64
	errs       []string
}

func newJTCollector(schema *arrow.Schema, appendOnly bool, timeCols ...int) *jtCollector {
	return &jtCollector{schema: schema, appendOnly: appendOnly, timeCols: timeCols, rows: map[string]int{}, lastWM: MinWatermark}
}

func (c *jtCollector) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *jtCollector) Emit(m Message) error {
	if c.ends > 0 {
		c.fail("message after End")
	}
	switch m.Kind {
	case KindBatch:
		b := m.Batch
		if !b.Schema().Equal(c.schema) {
			c.fail("batch schema %s", b.Schema())
		}
		if m.RowWatermarks != nil {
			c.fail("output rows with RowWatermarks")
		}
		if c.appendOnly && m.Kinds != nil {
			c.fail("append-only output with kinds %v", m.Kinds)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			vals := make([]any, b.NumCols())
			for col := range vals {
				vals[col] = jtCell(b.Column(col), i)
			}
			for _, tc := range c.timeCols {
				if v, ok := vals[tc].(int64); ok && v <= c.lastWM {
					c.fail("row %s late against the output watermark %d", jtRender(vals...), c.lastWM)
				}
			}
			for _, ec := range c.endCols {
				if v, ok := vals[ec].(int64); ok && v-1 <= c.lastWM {
					c.fail("row %s late against the output watermark %d", jtRender(vals...), c.lastWM)
				}
			}
			row := jtRender(vals...)
			k := m.KindOf(i)
			if k != Insert && k != Delete {
				c.fail("row kind %s", k)
			}
			c.changes = append(c.changes, k.String()+" "+row)
			if k.IsRetract() {
				if c.rows[row] == 0 {
					c.fail("retraction of %s, not in the result", row)
					continue
				}
				c.rows[row]--
				if c.rows[row] == 0 {
					delete(c.rows, row)
				}
			} else {
				c.rows[row]++
			}
		}
	case KindWatermark:
		if m.Watermark <= c.lastWM {
			c.fail("watermark %d after %d", m.Watermark, c.lastWM)
		}
		c.lastWM = m.Watermark
		c.wms = append(c.wms, m.Watermark)
	default:
		c.ends++
		if c.lastWM != MaxWatermark {
			c.fail("End before the final watermark")
		}
	}
	return nil
}

func (c *jtCollector) check(t *testing.T, what string) {
	t.Helper()
	require.Empty(t, c.errs, what)
}

// jtMaterialized is a multiset of rows as sorted strings, for readable diffs.
func jtMaterialized(m map[string]int) []string {
	var out []string
	for r, n := range m {
		for ; n > 0; n-- {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func jtRun(t *testing.T, op BinaryOperator, msgs []jtMsg, c *jtCollector) {
	t.Helper()
	for _, x := range msgs {
		require.NoError(t, op.ProcessSide(x.side, x.m, c))
	}
}

func jtKeysEqual(l, r jtRow, lk, rk []int) bool {
	for i := range lk {
		if l[lk[i]] == nil || r[rk[i]] == nil || l[lk[i]] != r[rk[i]] {
			return false
		}
	}
	return true
}

// jtRefJoin is the brute-force join of two multisets of rows.
func jtRefJoin(typ JoinType, left, right []jtRow, nl, nr int, match func(l, r jtRow) bool) map[string]int {
	out := map[string]int{}
	rMatched := make([]bool, len(right))
	for _, l := range left {
		found := false
		for ri, r := range right {
			if match(l, r) {
				found = true
				rMatched[ri] = true
				out[jtRender(append(append([]any{}, l...), r...)...)]++
			}
		}
		if !found && typ.outer(0) {
			out[jtRender(append(append([]any{}, l...), make([]any, nr)...)...)]++
		}
	}
	if typ.outer(1) {
		for ri, r := range right {
			if !rMatched[ri] {
				out[jtRender(append(make([]any, nl), r...)...)]++
			}
		}
	}
	return out
}

var jtJoinTypes = []JoinType{InnerJoin, LeftJoin, RightJoin, FullJoin}

// ---- regular join ----

var (
	jtLeft  = jtSchema("k", arrow.PrimitiveTypes.Int64, "v", arrow.PrimitiveTypes.Int64)
	jtRight = jtSchema("k", arrow.PrimitiveTypes.Int64, "w", arrow.BinaryTypes.String, "x", arrow.PrimitiveTypes.Int64)
)

func ins(vals ...any) jtEvent {
	return jtEvent{row: vals, kind: Insert, wmBefore: MinWatermark, wmAft: MinWatermark}
}
func del(vals ...any) jtEvent {
	return jtEvent{row: vals, kind: Delete, wmBefore: MinWatermark, wmAft: MinWatermark}
}

// feed sends single-row batches to op and returns the changes each produced.
func jtStep(t *testing.T, op BinaryOperator, mem memory.Allocator, schemas [2]*arrow.Schema, c *jtCollector, side int, ev jtEvent) []string {
	t.Helper()
	b := jtBatch(mem, schemas[side], []jtRow{ev.row})
	defer b.Release()
	m := BatchMessage(b, nil)
	if ev.kind != Insert {
		m.Kinds = []RowKind{ev.kind}
	}
	before := len(c.changes)
	require.NoError(t, op.ProcessSide(side, m, c))
	c.check(t, "step")
	return append([]string{}, c.changes[before:]...)
}

func TestJoinOuterRetractionSequence(t *testing.T) {
	mem := jtMem(t)
	op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: LeftJoin, LeftKeys: []int{0}, RightKeys: []int{0}}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := newJTCollector(op.Schema(), false)
	s := [2]*arrow.Schema{jtLeft, jtRight}
	step := func(side int, ev jtEvent) []string { return jtStep(t, op, mem, s, c, side, ev) }

	assert.Equal(t, []string{"+I 1,10,∅,∅,∅"}, step(0, ins(int64(1), int64(10))))
	assert.Equal(t, []string{"-D 1,10,∅,∅,∅", "+I 1,10,1,x,5"}, step(1, ins(int64(1), "x", int64(5))))
	assert.Equal(t, []string{"+I 1,10,1,y,6"}, step(1, ins(int64(1), "y", int64(6))))
	assert.Equal(t, []string{"-D 1,10,1,x,5"}, step(1, del(int64(1), "x", int64(5))))
	assert.Equal(t, []string{"-D 1,10,1,y,6", "+I 1,10,∅,∅,∅"}, step(1, del(int64(1), "y", int64(6))))
	assert.Equal(t, []string{"+I 1,10,2,z,7"}[:0], step(1, ins(int64(2), "z", int64(7))), "right rows without a match are not emitted by a LEFT join")
	assert.Equal(t, []string{"+I 2,20,2,z,7"}, step(0, ins(int64(2), int64(20))))
	assert.Equal(t, []string{"-D 1,10,∅,∅,∅"}, step(0, del(int64(1), int64(10))))
	assert.Equal(t, []string{"-D 2,20,2,z,7"}, step(0, del(int64(2), int64(20))))
	assert.Empty(t, c.rows)
	assert.Equal(t, int64(1), op.StateRows(), "the right row (2,z,7) stays")
}

func TestJoinFullOuterDuplicates(t *testing.T) {
	mem := jtMem(t)
	op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: FullJoin, LeftKeys: []int{0}, RightKeys: []int{0}}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := newJTCollector(op.Schema(), false)
	s := [2]*arrow.Schema{jtLeft, jtRight}
	step := func(side int, ev jtEvent) []string { return jtStep(t, op, mem, s, c, side, ev) }

	assert.Equal(t, []string{"+I ∅,∅,1,x,5"}, step(1, ins(int64(1), "x", int64(5))))
	assert.Equal(t, []string{"+I ∅,∅,1,x,5"}, step(1, ins(int64(1), "x", int64(5))), "a duplicate right row")
	// The first left match retracts both padded copies of the duplicated right row.
	assert.Equal(t, []string{"-D ∅,∅,1,x,5", "-D ∅,∅,1,x,5", "+I 1,10,1,x,5", "+I 1,10,1,x,5"}, step(0, ins(int64(1), int64(10))))
	assert.Equal(t, []string{"+I 1,11,1,x,5", "+I 1,11,1,x,5"}, step(0, ins(int64(1), int64(11))))
	assert.Equal(t, []string{"-D 1,10,1,x,5", "-D 1,10,1,x,5"}, step(0, del(int64(1), int64(10))))
	assert.Equal(t, []string{"-D 1,11,1,x,5", "-D 1,11,1,x,5", "+I ∅,∅,1,x,5", "+I ∅,∅,1,x,5"}, step(0, del(int64(1), int64(11))))
	// One right copy leaves: one padded copy goes.
	assert.Equal(t, []string{"-D ∅,∅,1,x,5"}, step(1, del(int64(1), "x", int64(5))))
	assert.Equal(t, map[string]int{"∅,∅,1,x,5": 1}, c.rows)
}

func TestJoinInnerAppendOnlyAndNullKeys(t *testing.T) {
	mem := jtMem(t)
	for _, typ := range jtJoinTypes {
		t.Run(typ.String(), func(t *testing.T) {
			op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}}, mem)
			require.NoError(t, err)
			defer op.Close()
			c := newJTCollector(op.Schema(), typ == InnerJoin)
			l := jtBatch(mem, jtLeft, []jtRow{{int64(1), int64(10)}, {nil, int64(11)}, {int64(2), int64(12)}})
			r := jtBatch(mem, jtRight, []jtRow{{int64(1), "a", int64(1)}, {nil, "b", int64(2)}, {int64(1), "c", int64(3)}})
			defer l.Release()
			defer r.Release()
			require.NoError(t, op.ProcessSide(0, BatchMessage(l, nil), c))
			require.NoError(t, op.ProcessSide(1, BatchMessage(r, nil), c))
			c.check(t, "run")
			want := map[string]int{"1,10,1,a,1": 1, "1,10,1,c,3": 1}
			if typ.outer(0) {
				want["∅,11,∅,∅,∅"], want["2,12,∅,∅,∅"] = 1, 1
			}
			if typ.outer(1) {
				want["∅,∅,∅,b,2"] = 1
			}
			assert.Equal(t, want, c.rows)
			assert.Equal(t, int64(4), op.StateRows(), "NULL keys are not kept")
		})
	}
}

func TestJoinResidualCrossJoin(t *testing.T) {
	mem := jtMem(t)
	// No equality keys: l.v < r.x.
	op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: LeftJoin, Residual: jtLess(t, 1, 4)}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := newJTCollector(op.Schema(), false)
	s := [2]*arrow.Schema{jtLeft, jtRight}
	step := func(side int, ev jtEvent) []string { return jtStep(t, op, mem, s, c, side, ev) }
	assert.Equal(t, []string{"+I 1,5,∅,∅,∅"}, step(0, ins(int64(1), int64(5))))
	assert.Equal(t, []string{"+I 2,∅,∅,∅,∅"}, step(0, ins(int64(2), nil)))
	assert.Empty(t, step(1, ins(int64(9), "a", int64(5))), "5 < 5 is false")
	assert.Equal(t, []string{"-D 1,5,∅,∅,∅", "+I 1,5,9,a,6"}, step(1, ins(int64(9), "a", int64(6))))
	assert.Empty(t, step(1, ins(int64(9), "a", nil)), "NULL is no match")
}

// jtLess is left column a < output column b (both BIGINT).
func jtLess(t testing.TB, a, b int) expr.Expr {
	e, err := expr.NewCall("<",
		&expr.Column{Index: a, Name: "a", T: arrow.PrimitiveTypes.Int64},
		&expr.Column{Index: b, Name: "b", T: arrow.PrimitiveTypes.Int64})
	require.NoError(t, err)
	return e
}

func TestJoinWatermarksAndEnd(t *testing.T) {
	mem := jtMem(t)
	op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}}, mem)
	require.NoError(t, err)
	c := newJTCollector(op.Schema(), true)
	require.NoError(t, op.ProcessSide(0, WatermarkMessage(10), c))
	assert.Empty(t, c.wms)
	require.NoError(t, op.ProcessSide(1, WatermarkMessage(5), c))
	require.NoError(t, op.ProcessSide(1, WatermarkMessage(20), c))
	require.NoError(t, op.ProcessSide(0, WatermarkMessage(15), c))
	require.NoError(t, op.ProcessSide(0, WatermarkMessage(MaxWatermark), c))
	require.NoError(t, op.ProcessSide(0, EndMessage(), c))
	assert.Equal(t, 0, c.ends)
	assert.Error(t, op.ProcessSide(0, WatermarkMessage(30), c), "message after the side's end")
	require.NoError(t, op.ProcessSide(1, WatermarkMessage(MaxWatermark), c))
	require.NoError(t, op.ProcessSide(1, EndMessage(), c))
	c.check(t, "run")
	assert.Equal(t, []int64{5, 10, 15, 20, MaxWatermark}, c.wms)
	assert.Equal(t, 1, c.ends)
	require.NoError(t, op.Close())
	require.NoError(t, op.Close(), "Close is idempotent")
}

func TestJoinStateTTL(t *testing.T) {
	mem := jtMem(t)
	clock := int64(1000)
	op, err := NewJoin(jtLeft, jtRight, JoinSpec{ID: "j", Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0},
		StateTTL: 100, Now: func() int64 { return clock }}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := newJTCollector(op.Schema(), false)
	s := [2]*arrow.Schema{jtLeft, jtRight}
	step := func(side int, ev jtEvent) []string { return jtStep(t, op, mem, s, c, side, ev) }
	step(0, ins(int64(1), int64(10)))
	step(0, ins(int64(2), int64(20)))
	clock = 1080
	assert.Equal(t, []string{"+I 1,10,1,a,1"}, step(1, ins(int64(1), "a", int64(1))), "a match touches left row 1")
	clock = 1150
	assert.Empty(t, step(1, ins(int64(2), "b", int64(2))), "left row 2 expired at 1100")
	assert.Equal(t, int64(1), op.StateExpired)
	assert.Equal(t, []string{"+I 1,10,1,c,3"}, step(1, ins(int64(1), "c", int64(3))), "the match of row 2 touched left row 1 again")
	clock = 1300
	assert.Empty(t, step(0, ins(int64(1), int64(11))))
	assert.Equal(t, int64(5), op.StateExpired)
	assert.Equal(t, int64(1), op.StateRows())
}

// jtChangelog generates a valid changelog of n steps over rows made by gen: inserts, deletes
// and updates (-U old, +U new) of rows present, duplicates included.
func jtChangelog(rng *rand.Rand, n int, gen func() jtRow) []jtEvent {
	var live []jtRow
	var evs []jtEvent
	ev := func(r jtRow, k RowKind) {
		evs = append(evs, jtEvent{row: r, kind: k, wmBefore: MinWatermark, wmAft: MinWatermark})
	}
	for len(evs) < n {
		p := rng.Float64()
		switch {
		case len(live) == 0 || p < 0.55:
			r := gen()
			if len(live) > 0 && rng.Intn(5) == 0 {
				r = live[rng.Intn(len(live))]
			}
			live = append(live, r)
			ev(r, Insert)
		case p < 0.8:
			i := rng.Intn(len(live))
			ev(live[i], Delete)
			live = append(live[:i], live[i+1:]...)
		default:
			i := rng.Intn(len(live))
			ev(live[i], UpdateBefore)
			live[i] = gen()
			ev(live[i], UpdateAfter)
		}
	}
	return evs
}

// jtApply applies a changelog to a multiset of rows kept as a slice.
func jtApply(rows []jtRow, evs []jtEvent) []jtRow {
	for _, e := range evs {
		if !e.kind.IsRetract() {
			rows = append(rows, e.row)
			continue
		}
		for i, r := range rows {
			if jtRender(r...) == jtRender(e.row...) {
				rows = append(rows[:i], rows[i+1:]...)
				break
			}
		}
	}
	return rows
}

func jtRandomSides(seed int64, n int) (left, right []jtEvent) {
	rng := rand.New(rand.NewSource(seed))
	val := func(k int) any {
		if rng.Intn(8) == 0 {
			return nil
		}
		return int64(rng.Intn(k))
	}
	left = jtChangelog(rng, n, func() jtRow { return jtRow{val(4), val(6)} })
	right = jtChangelog(rng, n, func() jtRow {
		return jtRow{val(4), []string{"a", "b"}[rng.Intn(2)], val(6)}
	})
	return left, right
}

// jtKeyCols are the equality keys of the randomized regular join tests by number of key
// columns: none (a cross join), k = k (an integer key), and (k, v) = (k, x) (an encoded key).
var jtKeyCols = [3][2][]int{{nil, nil}, {{0}, {0}}, {{0, 1}, {0, 2}}}

// jtRegularMatch is the reference condition of the randomized regular join tests.
func jtRegularMatch(keys int, residual bool) func(l, r jtRow) bool {
	return func(l, r jtRow) bool {
		if !jtKeysEqual(l, r, jtKeyCols[keys][0], jtKeyCols[keys][1]) {
			return false
		}
		if residual {
			v, ok1 := l[1].(int64)
			x, ok2 := r[2].(int64)
			return ok1 && ok2 && v < x
		}
		return true
	}
}

func jtRegularSpec(t testing.TB, typ JoinType, keys int, residual bool) JoinSpec {
	spec := JoinSpec{ID: "j", Type: typ, LeftKeys: jtKeyCols[keys][0], RightKeys: jtKeyCols[keys][1]}
	if residual {
		spec.Residual = jtLess(t, 1, 4)
	}
	return spec
}

// TestJoinRandomized checks the materialized output of updating inputs against a
// brute-force join of the materialized inputs, for every join type, with and without
// keys and a residual, batch sizes 1, 3 and all, and four interleavings. With single-row
// batches the result is checked after every message.
func TestJoinRandomized(t *testing.T) {
	mem := jtMem(t)
	for seed := int64(1); seed <= 3; seed++ {
		levs, revs := jtRandomSides(seed, 60)
		for _, cfg := range []struct {
			keys     int
			residual bool
		}{{1, false}, {1, true}, {0, true}, {2, false}} {
			for _, typ := range jtJoinTypes {
				spec := jtRegularSpec(t, typ, cfg.keys, cfg.residual)
				want := jtRefJoin(typ, jtApply(nil, levs), jtApply(nil, revs), 2, 3, jtRegularMatch(cfg.keys, cfg.residual))
				require.NotEmpty(t, want, "the case has results")
				for _, size := range []int{1, 3, 0} {
					lm, rm := jtMessages(mem, jtLeft, levs, size, false), jtMessages(mem, jtRight, revs, size, false)
					for _, mode := range jtInterleavings {
						name := fmt.Sprintf("seed=%d/keys=%d/res=%v/%s/size=%d/%s", seed, cfg.keys, cfg.residual, typ, size, mode)
						op, err := NewJoin(jtLeft, jtRight, spec, mem)
						require.NoError(t, err)
						c := newJTCollector(op.Schema(), false)
						var seen [2][]jtEvent
						var li, ri int
						for _, x := range jtInterleave(lm, rm, mode, seed) {
							require.NoError(t, op.ProcessSide(x.side, x.m, c), name)
							if size != 1 || x.m.Kind != KindBatch {
								continue
							}
							if x.side == 0 {
								seen[0] = append(seen[0], levs[li])
								li++
							} else {
								seen[1] = append(seen[1], revs[ri])
								ri++
							}
							ref := jtRefJoin(typ, jtApply(nil, seen[0]), jtApply(nil, seen[1]), 2, 3, jtRegularMatch(cfg.keys, cfg.residual))
							require.Equal(t, jtMaterialized(ref), jtMaterialized(c.rows), name)
						}
						c.check(t, name)
						require.Equal(t, jtMaterialized(want), jtMaterialized(c.rows), name)
						require.Equal(t, 1, c.ends, name)
						require.Zero(t, op.UnmatchedRetractions, name)
						require.NoError(t, op.Close())
					}
					jtRelease(lm, rm)
				}
			}
		}
	}
}

// TestJoinSnapshotRestore restarts the join mid-stream from a snapshot and checks the
// final result is that of an uninterrupted run.
func TestJoinSnapshotRestore(t *testing.T) {
	mem := jtMem(t)
	levs, revs := jtRandomSides(7, 80)
	for _, typ := range jtJoinTypes {
		spec := jtRegularSpec(t, typ, 1, true)
		lm, rm := jtMessages(mem, jtLeft, levs, 3, false), jtMessages(mem, jtRight, revs, 3, false)
		msgs := jtInterleave(lm, rm, "alternate", 1)

		whole, err := NewJoin(jtLeft, jtRight, spec, mem)
		require.NoError(t, err)
		cw := newJTCollector(whole.Schema(), false)
		jtRun(t, whole, msgs, cw)
		require.NoError(t, whole.Close())

		first, err := NewJoin(jtLeft, jtRight, spec, mem)
		require.NoError(t, err)
		c := newJTCollector(first.Schema(), false)
		half := len(msgs) / 2
		jtRun(t, first, msgs[:half], c)
		state, err := first.Snapshot()
		require.NoError(t, err)
		rowsBefore := first.StateRows()
		require.NoError(t, first.Close())
		second, err := NewJoin(jtLeft, jtRight, spec, mem)
		require.NoError(t, err)
		require.NoError(t, second.Restore(state))
		assert.Equal(t, rowsBefore, second.StateRows())
		jtRun(t, second, msgs[half:], c)
		require.NoError(t, second.Close())
		c.check(t, typ.String())
		cw.check(t, typ.String())
		assert.Equal(t, jtMaterialized(cw.rows), jtMaterialized(c.rows), typ.String())
		assert.Equal(t, cw.changes, c.changes, "%s: a restored join continues exactly", typ)
		jtRelease(lm, rm)
	}
}

func TestJoinSpecErrors(t *testing.T) {
	mem := jtMem(t)
	_, err := NewJoin(jtLeft, jtRight, JoinSpec{LeftKeys: []int{0}}, mem)
	assert.Error(t, err)
	_, err = NewJoin(jtLeft, jtRight, JoinSpec{LeftKeys: []int{0}, RightKeys: []int{1}}, mem)
	assert.ErrorContains(t, err, "key 1 is int64 on the left but utf8 on the right")
	_, err = NewJoin(jtLeft, jtRight, JoinSpec{LeftKeys: []int{5}, RightKeys: []int{0}}, mem)
	assert.Error(t, err)
	_, err = NewJoin(jtLeft, jtRight, JoinSpec{Type: 9}, mem)
	assert.Error(t, err)
	_, err = NewJoin(jtLeft, jtRight, JoinSpec{Residual: &expr.Column{Index: 0, Name: "k", T: arrow.PrimitiveTypes.Int64}}, mem)
	assert.ErrorContains(t, err, "not BOOLEAN")
	assert.Equal(t, "INNER LEFT RIGHT FULL", fmt.Sprint(InnerJoin, LeftJoin, RightJoin, FullJoin))
	s := JoinOutputSchema(jtLeft, jtRight)
	assert.Equal(t, []string{"k", "v", "k", "w", "x"}, func() (n []string) {
		for _, f := range s.Fields() {
			n = append(n, f.Name)
			assert.True(t, f.Nullable)
		}
		return
	}())
}
