package exec

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec/expr"
)

// Stream: (k BIGINT, v STRING). Table: (id BIGINT, name STRING, price DOUBLE).
var (
	ljStream = arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	ljTable = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
)

// ljRow is one row of test data; nil is NULL.
type ljRow []any

// ljBatch builds a batch of schema s from rows.
func ljBatch(mem memory.Allocator, s *arrow.Schema, rows []ljRow) arrow.RecordBatch {
	bld := array.NewRecordBuilder(mem, s)
	defer bld.Release()
	for _, r := range rows {
		for c, v := range r {
			f := bld.Field(c)
			switch v := v.(type) {
			case nil:
				f.AppendNull()
			case int:
				f.(*array.Int64Builder).Append(int64(v))
			case string:
				f.(*array.StringBuilder).Append(v)
			case float64:
				f.(*array.Float64Builder).Append(v)
			default:
				panic(fmt.Sprintf("ljBatch: %T", v))
			}
		}
	}
	return bld.NewRecordBatch()
}

// ljLoader is a reference "file" whose content the test changes: Load reports a change
// when the version moved since the last successful load, and fails while err is set.
type ljLoader struct {
	mu      sync.Mutex
	mem     memory.Allocator
	schema  *arrow.Schema
	parts   [][]ljRow // content, as separate batches
	version int
	loaded  int // version of the last successful load, -1 before the first
	err     error
	calls   int
}

func newLJLoader(mem memory.Allocator, rows []ljRow) *ljLoader {
	return &ljLoader{mem: mem, schema: ljTable, parts: [][]ljRow{rows}, loaded: -1}
}

func (l *ljLoader) set(parts ...[]ljRow) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parts = parts
	l.version++
}

func (l *ljLoader) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err = err
}

func (l *ljLoader) Load() ([]arrow.RecordBatch, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.err != nil {
		return nil, false, l.err
	}
	if l.loaded == l.version {
		return nil, false, nil
	}
	l.loaded = l.version
	var out []arrow.RecordBatch
	for _, p := range l.parts {
		out = append(out, ljBatch(l.mem, l.schema, p))
	}
	return out, true, nil
}

// ljCollector records the output messages and checks them against the schema.
type ljCollector struct {
	t      *testing.T
	schema *arrow.Schema
	rows   []string // "kind|col,col,..." in emission order
	rowWMs []int64  // per output row, MinWatermark-1 when the batch had none
	wms    []int64
	ends   int
}

func (c *ljCollector) Emit(m Message) error {
	switch m.Kind {
	case KindBatch:
		require.True(c.t, c.schema.Equal(m.Batch.Schema()), "batch schema")
		n := int(m.Batch.NumRows())
		require.True(c.t, m.RowWatermarks == nil || len(m.RowWatermarks) == n)
		require.True(c.t, m.Kinds == nil || len(m.Kinds) == n)
		for i := 0; i < n; i++ {
			cells := make([]string, m.Batch.NumCols())
			for j, col := range m.Batch.Columns() {
				cells[j] = col.ValueStr(i)
			}
			c.rows = append(c.rows, m.KindOf(i).String()+"|"+strings.Join(cells, ","))
			if m.RowWatermarks != nil {
				c.rowWMs = append(c.rowWMs, m.RowWatermarks[i])
			} else {
				c.rowWMs = append(c.rowWMs, MinWatermark)
			}
		}
	case KindWatermark:
		c.wms = append(c.wms, m.Watermark)
	case KindEnd:
		c.ends++
	}
	return nil
}

// materialized applies the changelog and returns the remaining rows, sorted.
func (c *ljCollector) materialized() []string {
	count := map[string]int{}
	for _, r := range c.rows {
		kind, row, _ := strings.Cut(r, "|")
		if kind == "-U" || kind == "-D" {
			count[row]--
		} else {
			count[row]++
		}
	}
	var out []string
	for r, n := range count {
		for i := 0; i < n; i++ {
			out = append(out, r)
		}
		for i := 0; i > n; i-- {
			out = append(out, "RETRACTED-TOO-OFTEN "+r)
		}
	}
	sort.Strings(out)
	return out
}

// ljRun joins stream rows (fed in batches of size, 0 = all at once) and returns the
// collector; the operator is closed and the allocator checked.
func ljRun(t *testing.T, spec LookupJoinSpec, table []ljRow, stream []ljRow, size int) *ljCollector {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec.Load = newLJLoader(mem, table).Load
	op, err := NewLookupJoin(ljStream, ljTable, spec, mem)
	require.NoError(t, err)
	defer op.Close()
	c := &ljCollector{t: t, schema: op.Schema()}
	if size <= 0 {
		size = max(len(stream), 1)
	}
	for lo := 0; lo < len(stream); lo += size {
		b := ljBatch(mem, ljStream, stream[lo:min(lo+size, len(stream))])
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
		b.Release()
	}
	require.NoError(t, op.Process(WatermarkMessage(MaxWatermark), c))
	require.NoError(t, op.Process(EndMessage(), c))
	return c
}

var ljTableRows = []ljRow{
	{1, "apple", 1.5},
	{2, "pear", 2.0},
	{3, nil, nil},
}

var ljStreamRows = []ljRow{
	{1, "a"},
	{4, "b"},
	{2, "c"},
	{3, "d"},
	{1, "e"},
}

func TestLookupJoinInner(t *testing.T) {
	c := ljRun(t, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0}}, ljTableRows, ljStreamRows, 0)
	assert.Equal(t, []string{
		"+I|1,a,1,apple,1.5",
		"+I|2,c,2,pear,2",
		"+I|3,d,3,(null),(null)",
		"+I|1,e,1,apple,1.5",
	}, c.rows, "stream order, key 4 dropped")
	assert.Equal(t, []int64{MaxWatermark}, c.wms)
	assert.Equal(t, 1, c.ends)
}

func TestLookupJoinLeft(t *testing.T) {
	c := ljRun(t, LookupJoinSpec{ID: "lj", Left: true, StreamKeys: []int{0}, TableKeys: []int{0}}, ljTableRows, ljStreamRows, 0)
	assert.Equal(t, []string{
		"+I|1,a,1,apple,1.5",
		"+I|4,b,(null),(null),(null)",
		"+I|2,c,2,pear,2",
		"+I|3,d,3,(null),(null)",
		"+I|1,e,1,apple,1.5",
	}, c.rows)
	for _, f := range c.schema.Fields() {
		assert.True(t, f.Nullable, f.Name)
	}
}

func TestLookupJoinDuplicateKeys(t *testing.T) {
	table := []ljRow{{1, "x", 1.0}, {2, "y", 2.0}, {1, "z", 3.0}, {1, "w", 4.0}}
	c := ljRun(t, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0}}, table, []ljRow{{2, "a"}, {1, "b"}}, 0)
	assert.Equal(t, []string{
		"+I|2,a,2,y,2",
		"+I|1,b,1,x,1",
		"+I|1,b,1,z,3",
		"+I|1,b,1,w,4",
	}, c.rows, "one row per match, in table order")
}

func TestLookupJoinNullKeys(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// The table's key column must be nullable for this case.
	table := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	for _, left := range []bool{false, true} {
		loader := newLJLoader(mem, []ljRow{{nil, "nullkey", 0.0}, {1, "one", 1.0}})
		loader.schema = table
		op, err := NewLookupJoin(ljStream, table, LookupJoinSpec{ID: "lj", Left: left, StreamKeys: []int{0}, TableKeys: []int{0}, Load: loader.Load}, mem)
		require.NoError(t, err)
		c := &ljCollector{t: t, schema: op.Schema()}
		b := ljBatch(mem, ljStream, []ljRow{{nil, "a"}, {1, "b"}})
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
		b.Release()
		want := []string{"+I|1,b,1,one,1"}
		if left {
			want = []string{"+I|(null),a,(null),(null),(null)", "+I|1,b,1,one,1"}
		}
		assert.Equal(t, want, c.rows, "NULL never equals NULL (left=%v)", left)
		require.NoError(t, op.Close())
	}
}

func TestLookupJoinCompositeKey(t *testing.T) {
	// Key (name, id) over the general (encoded key) path, with a NULL in the second column.
	table := []ljRow{{1, "a", 1.0}, {1, "b", 2.0}, {2, "a", 3.0}, {2, nil, 4.0}}
	stream := []ljRow{{1, "a"}, {2, "a"}, {2, nil}, {1, "c"}, {1, "b"}}
	spec := LookupJoinSpec{ID: "lj", Left: true, StreamKeys: []int{1, 0}, TableKeys: []int{1, 0}}
	c := ljRun(t, spec, table, stream, 0)
	assert.Equal(t, []string{
		"+I|1,a,1,a,1",
		"+I|2,a,2,a,3",
		"+I|2,(null),(null),(null),(null)",
		"+I|1,c,(null),(null),(null)",
		"+I|1,b,1,b,2",
	}, c.rows)
}

func TestLookupJoinStringKey(t *testing.T) {
	table := []ljRow{{1, "a", 1.0}, {2, "b", 2.0}, {3, "a", 3.0}}
	c := ljRun(t, LookupJoinSpec{ID: "lj", StreamKeys: []int{1}, TableKeys: []int{1}}, table, []ljRow{{9, "a"}, {9, "z"}, {9, "b"}}, 0)
	assert.Equal(t, []string{"+I|9,a,1,a,1", "+I|9,a,3,a,3", "+I|9,b,2,b,2"}, c.rows)
}

// ljResidual is `price > 1.5 AND v <> 'skip'` over the output row (k, v, id, name, price).
func ljResidual(t *testing.T) expr.Expr {
	price := &expr.Column{Index: 4, Name: "price", T: arrow.PrimitiveTypes.Float64}
	v := &expr.Column{Index: 1, Name: "v", T: arrow.BinaryTypes.String}
	gt, err := expr.NewCall(">", price, &expr.Literal{Value: 1.5, T: arrow.PrimitiveTypes.Float64})
	require.NoError(t, err)
	ne, err := expr.NewCall("<>", v, &expr.Literal{Value: "skip", T: arrow.BinaryTypes.String})
	require.NoError(t, err)
	and, err := expr.NewCall("and", gt, ne)
	require.NoError(t, err)
	return and
}

func TestLookupJoinResidual(t *testing.T) {
	table := []ljRow{{1, "x", 1.0}, {1, "y", 2.0}, {2, "z", 3.0}, {3, "n", nil}}
	stream := []ljRow{{1, "a"}, {2, "skip"}, {3, "c"}, {4, "d"}, {2, "e"}}
	inner := ljRun(t, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0}, Residual: ljResidual(t)}, table, stream, 0)
	assert.Equal(t, []string{"+I|1,a,1,y,2", "+I|2,e,2,z,3"}, inner.rows, "a NULL residual rejects the pair")
	left := ljRun(t, LookupJoinSpec{ID: "lj", Left: true, StreamKeys: []int{0}, TableKeys: []int{0}, Residual: ljResidual(t)}, table, stream, 0)
	assert.Equal(t, []string{
		"+I|1,a,1,y,2",
		"+I|2,skip,(null),(null),(null)",
		"+I|3,c,(null),(null),(null)",
		"+I|4,d,(null),(null),(null)",
		"+I|2,e,2,z,3",
	}, left.rows, "rows whose every match fails the residual are padded once")
	// Every pair qualifies: the candidate batch is emitted as is.
	all := ljRun(t, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0}, Residual: ljResidual(t)}, table, []ljRow{{2, "a"}, {1, "b"}}, 0)
	assert.Equal(t, []string{"+I|2,a,2,z,3", "+I|1,b,1,y,2"}, all.rows)
}

func TestLookupJoinReload(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	loader := newLJLoader(mem, []ljRow{{1, "old", 1.0}})
	op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0}, Load: loader.Load}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := &ljCollector{t: t, schema: op.Schema()}
	feed := func(rows ...ljRow) {
		b := ljBatch(mem, ljStream, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
	}
	feed(ljRow{1, "a"}, ljRow{2, "b"})
	assert.Equal(t, int64(1), op.TableRows.Load())

	// Unchanged: no new version.
	require.NoError(t, op.Reload())
	assert.Equal(t, int64(0), op.Reloads.Load())

	// Changed, delivered in two batches: picked up from the next input batch on.
	loader.set([]ljRow{{1, "new", 10.0}}, []ljRow{{2, "two", 20.0}})
	require.NoError(t, op.Reload())
	assert.Equal(t, int64(1), op.Reloads.Load())
	assert.Equal(t, int64(2), op.TableRows.Load())
	feed(ljRow{1, "c"}, ljRow{2, "d"})

	// Two reloads before the next batch: the newest wins, the skipped one is released.
	loader.set([]ljRow{{1, "v3", 3.0}})
	require.NoError(t, op.Reload())
	loader.set([]ljRow{{1, "v4", 4.0}})
	require.NoError(t, op.Reload())
	feed(ljRow{1, "e"})

	// An empty table.
	loader.set()
	require.NoError(t, op.Reload())
	feed(ljRow{1, "f"})
	assert.Equal(t, int64(0), op.TableRows.Load())

	assert.Equal(t, []string{
		"+I|1,a,1,old,1",
		"+I|1,c,1,new,10",
		"+I|2,d,2,two,20",
		"+I|1,e,1,v4,4",
	}, c.rows)
	assert.Equal(t, int64(0), op.ReloadErrors.Load())
}

func TestLookupJoinReloadFailureKeepsOldVersion(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	loader := newLJLoader(mem, []ljRow{{1, "good", 1.0}})
	var reported []error
	op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0},
		Load: loader.Load, OnError: func(err error) { reported = append(reported, err) }}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := &ljCollector{t: t, schema: op.Schema()}

	gone := errors.New("open dim.csv: no such file or directory")
	loader.fail(gone)
	loader.set([]ljRow{{1, "never seen", 9.0}})
	err = op.Reload()
	require.ErrorIs(t, err, gone)
	assert.Equal(t, int64(1), op.ReloadErrors.Load())
	require.Len(t, reported, 1)
	assert.ErrorIs(t, reported[0], gone)
	assert.Contains(t, reported[0].Error(), "lookup join lj")

	// A batch of the wrong schema (a parse gone wrong) is also a failed reload.
	loader.fail(nil)
	loader.set([]ljRow{{1, "two columns only"}})
	loader.schema = ljStream
	assert.ErrorContains(t, op.Reload(), "reference batch has 2 columns")
	loader.schema = ljTable
	assert.Equal(t, int64(2), op.ReloadErrors.Load())
	assert.Len(t, reported, 2)

	b := ljBatch(mem, ljStream, []ljRow{{1, "a"}})
	require.NoError(t, op.Process(BatchMessage(b, nil), c))
	b.Release()
	assert.Equal(t, []string{"+I|1,a,1,good,1"}, c.rows, "the last good version stays")
	assert.Equal(t, int64(0), op.Reloads.Load())
	assert.Equal(t, int64(1), op.TableRows.Load())

	// Recovery: the next good load is used.
	loader.set([]ljRow{{1, "fixed", 2.0}})
	require.NoError(t, op.Reload())
	b = ljBatch(mem, ljStream, []ljRow{{1, "b"}})
	require.NoError(t, op.Process(BatchMessage(b, nil), c))
	b.Release()
	assert.Equal(t, "+I|1,b,1,fixed,2", c.rows[1])
}

func TestLookupJoinStartupError(t *testing.T) {
	gone := errors.New("no such file")
	_, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0},
		Load: func() ([]arrow.RecordBatch, bool, error) { return nil, false, gone }}, memory.NewGoAllocator())
	assert.ErrorIs(t, err, gone)

	_, err = NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{1},
		Load: func() ([]arrow.RecordBatch, bool, error) { return nil, true, nil }}, memory.NewGoAllocator())
	assert.ErrorContains(t, err, "compares", "key types must be equal")

	_, err = NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0},
		Load: func() ([]arrow.RecordBatch, bool, error) { panic("boom") }}, memory.NewGoAllocator())
	assert.ErrorContains(t, err, "panic while loading")
}

func TestLookupJoinBackgroundReload(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	loader := newLJLoader(mem, []ljRow{{1, "old", 1.0}})
	errs := make(chan error, 100)
	op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0},
		Load: loader.Load, ReloadInterval: time.Millisecond, OnError: func(err error) { errs <- err }}, mem)
	require.NoError(t, err)
	c := &ljCollector{t: t, schema: op.Schema()}
	loader.set([]ljRow{{1, "new", 2.0}})
	require.Eventually(t, func() bool { return op.Reloads.Load() == 1 }, 5*time.Second, time.Millisecond)
	// Process concurrently with the loop (meaningful under -race).
	for i := 0; i < 20; i++ {
		b := ljBatch(mem, ljStream, []ljRow{{1, "a"}})
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
		b.Release()
	}
	assert.Equal(t, "+I|1,a,1,new,2", c.rows[len(c.rows)-1])
	loader.fail(errors.New("parse error"))
	require.Eventually(t, func() bool { return op.ReloadErrors.Load() > 0 }, 5*time.Second, time.Millisecond)
	assert.ErrorContains(t, <-errs, "parse error")
	require.NoError(t, op.Close())
	require.NoError(t, op.Close(), "idempotent")
	assert.Error(t, op.Reload(), "closed")
	b := ljBatch(mem, ljStream, []ljRow{{1, "a"}})
	assert.Error(t, op.Process(BatchMessage(b, nil), c), "closed")
	b.Release()
}

func TestLookupJoinRowWatermarks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	table := []ljRow{{1, "x", 1.0}, {1, "y", 2.0}, {1, "z", 3.0}, {2, "p", 4.0}}
	for _, left := range []bool{false, true} {
		op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", Left: left, StreamKeys: []int{0}, TableKeys: []int{0},
			Load: newLJLoader(mem, table).Load}, mem)
		require.NoError(t, err)
		c := &ljCollector{t: t, schema: op.Schema()}
		b := ljBatch(mem, ljStream, []ljRow{{1, "a"}, {5, "b"}, {2, "c"}, {1, "d"}})
		require.NoError(t, op.Process(BatchMessage(b, []int64{10, 20, 30, 40}), c))
		b.Release()
		require.NoError(t, op.Process(WatermarkMessage(50), c))
		if left {
			assert.Equal(t, []int64{10, 10, 10, 20, 30, 40, 40, 40}, c.rowWMs)
		} else {
			assert.Equal(t, []int64{10, 10, 10, 30, 40, 40, 40}, c.rowWMs)
		}
		assert.Equal(t, []int64{50}, c.wms)
		require.NoError(t, op.Close())
	}
}

func TestLookupJoinRetractions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	table := []ljRow{{1, "x", 1.0}, {1, "y", 2.0}}
	op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", Left: true, StreamKeys: []int{0}, TableKeys: []int{0},
		Load: newLJLoader(mem, table).Load}, mem)
	require.NoError(t, err)
	defer op.Close()
	c := &ljCollector{t: t, schema: op.Schema()}
	b := ljBatch(mem, ljStream, []ljRow{{1, "a"}, {3, "b"}, {1, "a"}, {3, "b"}})
	require.NoError(t, op.Process(ChangelogMessage(b, []RowKind{Insert, Insert, UpdateBefore, Delete}), c))
	b.Release()
	assert.Equal(t, []string{
		"+I|1,a,1,x,1", "+I|1,a,1,y,2", "+I|3,b,(null),(null),(null)",
		"-U|1,a,1,x,1", "-U|1,a,1,y,2", "-D|3,b,(null),(null),(null)",
	}, c.rows)
	assert.Empty(t, c.materialized())
}

func TestLookupJoinFanOutSplitsBatches(t *testing.T) {
	// 300 stream rows x 300 matches = 90,000 candidate rows: more than one output batch.
	var table []ljRow
	for i := 0; i < 300; i++ {
		table = append(table, ljRow{7, fmt.Sprint("n", i), float64(i)})
	}
	var stream []ljRow
	for i := 0; i < 300; i++ {
		stream = append(stream, ljRow{7, fmt.Sprint("s", i)})
	}
	priceAbove := func(v float64) expr.Expr {
		price := &expr.Column{Index: 4, Name: "price", T: arrow.PrimitiveTypes.Float64}
		return must(expr.NewCall(">", price, &expr.Literal{Value: v, T: arrow.PrimitiveTypes.Float64}))
	}
	cases := []struct {
		name     string
		left     bool
		residual expr.Expr
		rows     int
	}{
		{"all", false, nil, 90_000},
		{"residual-half", false, priceAbove(149.5), 45_000},
		{"left-residual-none", true, priceAbove(1000), 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", Left: tc.left, StreamKeys: []int{0}, TableKeys: []int{0},
				Residual: tc.residual, Load: newLJLoader(mem, table).Load}, mem)
			require.NoError(t, err)
			defer op.Close()
			batches, rows := 0, 0
			wms := make([]int64, len(stream))
			for i := range wms {
				wms[i] = int64(i)
			}
			var last int64 = -1
			b := ljBatch(mem, ljStream, stream)
			require.NoError(t, op.Process(BatchMessage(b, wms), EmitFunc(func(m Message) error {
				batches++
				rows += int(m.Batch.NumRows())
				assert.LessOrEqual(t, int(m.Batch.NumRows()), lookupMaxBatchRows+300)
				for _, w := range m.RowWatermarks {
					assert.GreaterOrEqual(t, w, last, "stream order kept across batches")
					last = w
				}
				return nil
			})))
			b.Release()
			assert.Equal(t, tc.rows, rows)
			assert.Equal(t, 2, batches)
			assert.Equal(t, int64(299), last)
		})
	}
}

// TestLookupJoinBatchSizeIndependence feeds random rows in batches of 1, 3 and all at once
// for every join flavour and compares the materialized results (and here, being
// append-only, the exact output sequences).
func TestLookupJoinBatchSizeIndependence(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var table []ljRow
	for i := 0; i < 40; i++ {
		var price any = float64(rng.Intn(4))
		if rng.Intn(8) == 0 {
			price = nil
		}
		table = append(table, ljRow{rng.Intn(25), fmt.Sprint("n", rng.Intn(3)), price})
	}
	var stream []ljRow
	for i := 0; i < 200; i++ {
		var k any = rng.Intn(30)
		if rng.Intn(10) == 0 {
			k = nil
		}
		v := fmt.Sprint("n", rng.Intn(4))
		if rng.Intn(6) == 0 {
			v = "skip"
		}
		stream = append(stream, ljRow{k, v})
	}
	specs := map[string]LookupJoinSpec{
		"inner":          {StreamKeys: []int{0}, TableKeys: []int{0}},
		"left":           {Left: true, StreamKeys: []int{0}, TableKeys: []int{0}},
		"inner-residual": {StreamKeys: []int{0}, TableKeys: []int{0}, Residual: ljResidual(t)},
		"left-residual":  {Left: true, StreamKeys: []int{0}, TableKeys: []int{0}, Residual: ljResidual(t)},
		"left-composite": {Left: true, StreamKeys: []int{0, 1}, TableKeys: []int{0, 1}},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			spec.ID = name
			whole := ljRun(t, spec, table, stream, 0)
			require.NotEmpty(t, whole.rows)
			for _, size := range []int{1, 3} {
				part := ljRun(t, spec, table, stream, size)
				assert.Equal(t, whole.materialized(), part.materialized(), "batch size %d", size)
				assert.Equal(t, whole.rows, part.rows, "batch size %d", size)
			}
		})
	}
}

// ljOracle is a nested-loop lookup join over rendered cells: the expected output rows of
// stream (keyed by column sk) against table (keyed by column tk), for a LEFT or inner join.
func ljOracle(stream, table arrow.RecordBatch, sk, tk int, left bool) []string {
	render := func(b arrow.RecordBatch, r int) []string {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			cells[c] = col.ValueStr(r)
		}
		return cells
	}
	var out []string
	for i := 0; i < int(stream.NumRows()); i++ {
		s := render(stream, i)
		matched := false
		for r := 0; r < int(table.NumRows()); r++ {
			if stream.Column(sk).IsNull(i) || table.Column(tk).IsNull(r) ||
				stream.Column(sk).ValueStr(i) != table.Column(tk).ValueStr(r) {
				continue
			}
			matched = true
			out = append(out, "+I|"+strings.Join(append(append([]string{}, s...), render(table, r)...), ","))
		}
		if !matched && left {
			pad := make([]string, table.NumCols())
			for c := range pad {
				pad[c] = "(null)"
			}
			out = append(out, "+I|"+strings.Join(append(s, pad...), ","))
		}
	}
	return out
}

// TestLookupJoinColumnTypes joins over an INT32 key with table columns of many types (the
// typed gathers and the take-kernel fallback, with and without NULLs and pads), feeding
// sliced stream batches (non-zero array offsets), and compares with ljOracle.
func TestLookupJoinColumnTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	table := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), Nullable: true},
	}, nil)
	stream := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	tableJSON := `[
		{"id": 1, "b": true, "i8": -1, "i16": 300, "f32": 1.5, "d": "12.34", "dt": 19000, "ts": 1000, "s": "one", "bin": "AQI=", "ls": "L1", "l": [1, 2], "st": {"a": 1}},
		{"id": 2, "b": null, "i8": null, "i16": null, "f32": null, "d": null, "dt": null, "ts": null, "s": null, "bin": null, "ls": null, "l": null, "st": null},
		{"id": null, "b": false, "i8": 9, "i16": 9, "f32": 9, "d": "9.00", "dt": 9, "ts": 9, "s": "nullkey", "bin": "", "ls": "", "l": [], "st": {"a": null}},
		{"id": 1, "b": false, "i8": 7, "i16": -7, "f32": -2, "d": "-0.50", "dt": 1, "ts": -5, "s": "", "bin": "/w==", "ls": "L3", "l": [3], "st": {"a": 3}},
		{"id": 5, "b": true, "i8": 5, "i16": 5, "f32": 5, "d": "5.00", "dt": 5, "ts": 5, "s": "five", "bin": "BQ==", "ls": "L5", "l": [null], "st": {"a": 5}}
	]`
	streamJSON := `[
		{"k": 0, "flag": true, "name": "skipped by the slice"},
		{"k": 1, "flag": true, "name": "a"},
		{"k": 3, "flag": null, "name": null},
		{"k": null, "flag": false, "name": "c"},
		{"k": 2, "flag": true, "name": "d"},
		{"k": 5, "flag": false, "name": "e"},
		{"k": 1, "flag": true, "name": "f"}
	]`
	ref, _, err := array.RecordFromJSON(mem, table, strings.NewReader(tableJSON))
	require.NoError(t, err)
	defer ref.Release()
	whole, _, err := array.RecordFromJSON(mem, stream, strings.NewReader(streamJSON))
	require.NoError(t, err)
	defer whole.Release()
	in := whole.NewSlice(1, whole.NumRows())
	defer in.Release()

	for _, left := range []bool{false, true} {
		for _, empty := range []bool{false, true} {
			load := func() ([]arrow.RecordBatch, bool, error) {
				if empty {
					return nil, true, nil
				}
				// Two batches, to exercise concatenation.
				return []arrow.RecordBatch{ref.NewSlice(0, 2), ref.NewSlice(2, ref.NumRows())}, true, nil
			}
			op, err := NewLookupJoin(stream, table, LookupJoinSpec{ID: "types", Left: left, StreamKeys: []int{0}, TableKeys: []int{0}, Load: load}, mem)
			require.NoError(t, err)
			for _, size := range []int64{1, 2, in.NumRows()} {
				c := &ljCollector{t: t, schema: op.Schema()}
				for lo := int64(0); lo < in.NumRows(); lo += size {
					part := in.NewSlice(lo, min(lo+size, in.NumRows()))
					require.NoError(t, op.Process(BatchMessage(part, nil), c))
					part.Release()
				}
				want := ljOracle(in, ref, 0, 0, left)
				if empty {
					emptyRef := ref.NewSlice(0, 0)
					want = ljOracle(in, emptyRef, 0, 0, left)
					emptyRef.Release()
				}
				assert.Equal(t, want, c.rows, "left=%v empty=%v size=%d", left, empty, size)
			}
			require.NoError(t, op.Close())
		}
	}
}

// TestLookupJoinIntIndex checks both forms of the single-integer-key index, with keys at
// the ends of the int64 range and probes that would overflow key - base.
func TestLookupJoinIntIndex(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := map[string][]int64{
		"dense":  {-3, -1, 0, 2, -3, 5, 2, 2},
		"sparse": {math.MinInt64, math.MaxInt64, 0, -1, math.MaxInt64, 1 << 40},
	}
	probes := []int64{math.MinInt64, math.MinInt64 + 1, -4, -3, -2, -1, 0, 1, 2, 5, 6, 1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) {
			bld := array.NewInt64Builder(mem)
			bld.AppendValues(keys, nil)
			bld.AppendNull()
			col := bld.NewArray()
			bld.Release()
			defer col.Release()
			idx, order := indexIntKey(col)
			assert.Equal(t, name == "dense", idx.dense != nil)
			assert.Len(t, order, len(keys), "the NULL key row is left out")
			spans := make([]rowSpan, len(probes))
			idx.getAll(probes, spans)
			for p, k := range probes {
				var want []int32
				for r, key := range keys {
					if key == k {
						want = append(want, int32(r))
					}
				}
				sp := idx.get(k)
				assert.Equal(t, sp, spans[p])
				assert.Equal(t, want, append([]int32(nil), order[sp.start:sp.start+sp.n]...), "key %d", k)
			}
		})
	}
}

func TestLookupJoinRejectsWrongStreamBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op, err := NewLookupJoin(ljStream, ljTable, LookupJoinSpec{ID: "lj", StreamKeys: []int{0}, TableKeys: []int{0},
		Load: newLJLoader(mem, ljTableRows).Load}, mem)
	require.NoError(t, err)
	defer op.Close()
	b := ljBatch(mem, ljTable, ljTableRows)
	defer b.Release()
	assert.ErrorContains(t, op.Process(BatchMessage(b, nil), EmitFunc(func(Message) error { return nil })), "stream batch has 3 columns")
}
