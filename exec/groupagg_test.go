package exec

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Input of the GROUP BY tests. Values of a gaRow are int64 (BIGINT, DECIMAL unscaled,
// TIMESTAMP, INT), float64, string, bool, or nil for NULL.
const (
	gaK    = iota // BIGINT key
	gaS           // STRING key
	gaV           // BIGINT value
	gaF           // DOUBLE (multiples of 0.5: sums are exact)
	gaD           // DECIMAL(10, 2)
	gaStr         // STRING value
	gaFlag        // BOOLEAN (FILTER)
	gaTs          // TIMESTAMP(3)
	gaI32         // INT
)

var gaSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "str", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

type gaRow [9]any

// gaEvent is one input row with its kind.
type gaEvent struct {
	row  gaRow
	kind RowKind
}

// gaAgg is an aggregate call over gaSchema: its spec and the reference computation.
type gaAgg struct {
	kind     AggKind
	arg      int
	distinct bool
	filter   int
}

func gaSpecOf(t testing.TB, id string, keys []int, aggs []gaAgg, updating bool) GroupAggSpec {
	spec := GroupAggSpec{ID: id, Keys: keys, InputUpdating: updating}
	for i, a := range aggs {
		argType := arrow.DataType(arrow.PrimitiveTypes.Int64)
		if a.arg >= 0 {
			argType = gaSchema.Field(a.arg).Type
		}
		rt, err := AggResultType(a.kind, argType)
		require.NoError(t, err)
		spec.Aggs = append(spec.Aggs, AggSpec{Kind: a.kind, Arg: a.arg, Distinct: a.distinct, Filter: a.filter,
			Name: fmt.Sprintf("a%d", i), Type: rt})
	}
	return spec
}

// gaAllAggs covers every aggregate, type, DISTINCT and FILTER.
var gaAllAggs = []gaAgg{
	{AggCountStar, -1, false, -1},
	{AggCount, gaV, false, -1},
	{AggCount, gaV, true, -1},
	{AggSum, gaV, false, -1},
	{AggSum, gaV, true, -1},
	{AggAvg, gaV, false, -1},
	{AggMin, gaV, false, -1},
	{AggMax, gaV, false, -1},
	{AggMin, gaStr, false, -1},
	{AggMax, gaStr, false, -1},
	{AggSum, gaD, false, -1},
	{AggAvg, gaD, false, -1},
	{AggMax, gaD, false, -1},
	{AggMin, gaD, false, -1},
	{AggSum, gaF, false, -1},
	{AggMax, gaF, false, -1},
	{AggAvg, gaF, false, -1},
	{AggMin, gaTs, false, -1},
	{AggMax, gaTs, false, -1},
	{AggSum, gaV, false, gaFlag},
	{AggCountStar, -1, false, gaFlag},
	{AggMax, gaFlag, false, -1},
	{AggMin, gaFlag, false, -1},
	{AggAvg, gaI32, false, -1},
	{AggMin, gaI32, false, -1},
	{AggSum, gaI32, false, -1},
	{AggCount, gaStr, true, -1},
	{AggAvg, gaV, true, -1},
	{AggMax, gaV, true, gaFlag},
	{AggCount, gaV, true, gaFlag},
}

func gaBatch(mem memory.Allocator, rows []gaRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, gaSchema)
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
			case *array.Int32Builder:
				fb.Append(int32(v.(int64)))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(v.(int64)))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(int64)))
			}
		}
	}
	return b.NewRecordBatch()
}

// gaCell formats one output value; the reference formats its values the same way.
func gaCell(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "NULL"
	}
	switch a := arr.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Timestamp:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Float64:
		return gaFloat(a.Value(i))
	case *array.String:
		return strconv.Quote(a.Value(i))
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	}
	return "?" + arr.DataType().String()
}

func gaFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// gaSink checks that the output is a well-formed changelog keyed by the first nk columns
// and materializes it.
type gaSink struct {
	t          testing.TB
	schema     *arrow.Schema
	nk         int
	byKey      map[string]string
	pendingKey string // key of a -U awaiting its +U
	pending    bool
	log        [][]string // per batch message: "kind row"
	watermarks []int64
	ends       int
}

func newGASink(t testing.TB, schema *arrow.Schema, nk int) *gaSink {
	return &gaSink{t: t, schema: schema, nk: nk, byKey: map[string]string{}}
}

func (s *gaSink) Emit(m Message) error {
	t := s.t
	switch m.Kind {
	case KindWatermark:
		s.watermarks = append(s.watermarks, m.Watermark)
		return nil
	case KindEnd:
		s.ends++
		return nil
	}
	require.True(t, m.Batch.Schema().Equal(s.schema), "batch schema")
	require.Nil(t, m.RowWatermarks)
	n := int(m.Batch.NumRows())
	require.Positive(t, n, "no empty batches")
	if m.Kinds != nil {
		require.Len(t, m.Kinds, n)
		require.True(t, slices.ContainsFunc(m.Kinds, func(k RowKind) bool { return k != Insert }), "Kinds must be nil when all rows are +I")
	}
	var lines []string
	for i := 0; i < n; i++ {
		cells := make([]string, m.Batch.NumCols())
		for c := range cells {
			cells[c] = gaCell(m.Batch.Column(c), i)
		}
		key, row := strings.Join(cells[:s.nk], "|"), strings.Join(cells, "|")
		k := m.KindOf(i)
		lines = append(lines, k.String()+" "+row)
		cur, present := s.byKey[key]
		switch k {
		case Insert:
			require.False(t, s.pending, "+I after a -U")
			require.False(t, present, "+I of a key with a row: %s", row)
			s.byKey[key] = row
		case UpdateBefore:
			require.False(t, s.pending, "-U after a -U")
			require.True(t, present && cur == row, "-U %s does not match the row %q", row, cur)
			delete(s.byKey, key)
			s.pending, s.pendingKey = true, key
		case UpdateAfter:
			require.True(t, s.pending && s.pendingKey == key, "+U %s without its -U", row)
			s.pending = false
			s.byKey[key] = row
		case Delete:
			require.False(t, s.pending, "-D after a -U")
			require.True(t, present && cur == row, "-D %s does not match the row %q", row, cur)
			delete(s.byKey, key)
		}
	}
	require.False(t, s.pending, "-U without +U at the end of a batch")
	s.log = append(s.log, lines)
	return nil
}

func (s *gaSink) materialized() []string {
	var out []string
	for _, r := range s.byKey {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// gaFeed feeds events to op in batches of size (updating: with Kinds), with a watermark
// after each batch.
func gaFeed(t testing.TB, op *GroupAggregate, events []gaEvent, size int, updating bool, sink Emitter, mem memory.Allocator) {
	for start := 0; start < len(events); start += size {
		part := events[start:min(start+size, len(events))]
		rows := make([]gaRow, len(part))
		var kinds []RowKind
		for i, e := range part {
			rows[i] = e.row
			if updating {
				kinds = append(kinds, e.kind)
			}
		}
		b := gaBatch(mem, rows)
		require.NoError(t, op.Process(ChangelogMessage(b, kinds), sink))
		b.Release()
		require.NoError(t, op.Process(WatermarkMessage(int64(start)), sink))
	}
}

func gaRun(t testing.TB, spec GroupAggSpec, events []gaEvent, size int) (*gaSink, *GroupAggregate) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	op, err := NewGroupAggregate(gaSchema, spec, mem)
	require.NoError(t, err)
	sink := newGASink(t, op.Schema(), len(spec.Keys))
	gaFeed(t, op, events, size, spec.InputUpdating, sink, mem)
	require.NoError(t, op.Process(EndMessage(), sink))
	require.NoError(t, op.Close())
	require.NoError(t, op.Close())
	mem.AssertSize(t, 0)
	return sink, op
}

// gaRandomRow draws a row from small domains, so that groups, DISTINCT and MIN/MAX ties
// happen, with NULLs everywhere.
func gaRandomRow(rng *rand.Rand) gaRow {
	maybe := func(p float64, v any) any {
		if rng.Float64() < p {
			return nil
		}
		return v
	}
	return gaRow{
		maybe(0.1, int64(rng.Intn(6))),
		maybe(0.1, []string{"a", "b", ""}[rng.Intn(3)]),
		maybe(0.2, int64(rng.Intn(16)-5)),
		maybe(0.2, float64(rng.Intn(13)-4)/2),
		maybe(0.2, int64(rng.Intn(2001)-1000)),
		maybe(0.2, []string{"x", "yy", "abc", "b", ""}[rng.Intn(5)]),
		maybe(0.2, rng.Intn(2) == 0),
		maybe(0.1, int64(1000+rng.Intn(100))),
		maybe(0.2, int64(rng.Intn(7)-3)),
	}
}

// gaRandomEvents is a consistent changelog of n events: inserts, deletes of live rows, and
// -U/+U pairs replacing a live row (updating), or n inserts.
func gaRandomEvents(rng *rand.Rand, n int, updating bool) []gaEvent {
	var events []gaEvent
	var live []gaRow
	for len(events) < n {
		p := rng.Float64()
		if !updating || len(live) == 0 || p < 0.55 {
			r := gaRandomRow(rng)
			live = append(live, r)
			kind := Insert
			if updating && rng.Intn(4) == 0 {
				kind = UpdateAfter // +U adds like +I
			}
			events = append(events, gaEvent{r, kind})
			continue
		}
		i := rng.Intn(len(live))
		old := live[i]
		if p < 0.8 {
			live = slices.Delete(live, i, i+1)
			events = append(events, gaEvent{old, Delete})
			continue
		}
		nw := gaRandomRow(rng)
		if rng.Intn(2) == 0 {
			nw[gaK], nw[gaS] = old[gaK], old[gaS] // same group
		}
		live[i] = nw
		events = append(events, gaEvent{old, UpdateBefore}, gaEvent{nw, UpdateAfter})
	}
	return events
}

// gaReference computes the GROUP BY result of the live rows of events from scratch.
func gaReference(events []gaEvent, keys []int, aggs []gaAgg) []string {
	count := map[gaRow]int{}
	for _, e := range events {
		switch {
		case !e.kind.IsRetract():
			count[e.row]++
		case count[e.row] > 0:
			count[e.row]--
		}
	}
	var live []gaRow
	for r, n := range count {
		for ; n > 0; n-- {
			live = append(live, r)
		}
	}
	groups := map[string][]gaRow{}
	for _, r := range live {
		var ks []string
		for _, k := range keys {
			ks = append(ks, gaFmtValue(r[k], k))
		}
		key := strings.Join(ks, "|")
		groups[key] = append(groups[key], r)
	}
	var out []string
	for key, rows := range groups {
		cells := []string{}
		if len(keys) > 0 {
			cells = append(cells, key)
		}
		for _, a := range aggs {
			cells = append(cells, gaRefAgg(a, rows))
		}
		out = append(out, strings.Join(cells, "|"))
	}
	slices.Sort(out)
	return out
}

func gaFmtValue(v any, col int) string {
	if v == nil {
		return "NULL"
	}
	switch col {
	case gaS, gaStr:
		return strconv.Quote(v.(string))
	case gaF:
		return gaFloat(v.(float64))
	case gaD:
		return decimal128.FromI64(v.(int64)).ToString(2)
	case gaFlag:
		return strconv.FormatBool(v.(bool))
	}
	return strconv.FormatInt(v.(int64), 10)
}

// gaRefAgg computes one aggregate over the rows of a group, formatted like gaCell.
func gaRefAgg(a gaAgg, rows []gaRow) string {
	var vals []any
	count := 0
	for _, r := range rows {
		if a.filter >= 0 && r[a.filter] != true {
			continue
		}
		count++
		if a.arg >= 0 && r[a.arg] != nil {
			vals = append(vals, r[a.arg])
		}
	}
	if a.distinct {
		var d []any
		for _, v := range vals {
			if !slices.Contains(d, v) {
				d = append(d, v)
			}
		}
		vals = d
	}
	switch a.kind {
	case AggCountStar:
		return strconv.Itoa(count)
	case AggCount:
		return strconv.Itoa(len(vals))
	}
	if len(vals) == 0 {
		return "NULL"
	}
	switch a.kind {
	case AggSum, AggAvg:
		if a.arg == gaF {
			s := 0.0
			for _, v := range vals {
				s += v.(float64)
			}
			if a.kind == AggAvg {
				s /= float64(len(vals))
			}
			return gaFloat(s)
		}
		var s int64
		for _, v := range vals {
			s += v.(int64)
		}
		if a.arg == gaD {
			if a.kind == AggSum {
				return decimal128.FromI64(s).ToString(2)
			}
			// AVG(DECIMAL(10, 2)) has scale 6: round sum * 10^4 / count half away from zero.
			n, c := s*10_000, int64(len(vals))
			q, r := n/c, n%c
			if 2*max(r, -r) >= c {
				if n < 0 {
					q--
				} else {
					q++
				}
			}
			return decimal128.FromI64(q).ToString(6)
		}
		if a.kind == AggAvg {
			s /= int64(len(vals)) // integer AVG truncates
		}
		return strconv.FormatInt(s, 10)
	}
	best := vals[0]
	for _, v := range vals[1:] {
		if gaLess(v, best) == (a.kind == AggMin) && v != best {
			best = v
		}
	}
	return gaFmtValue(best, a.arg)
}

func gaLess(a, b any) bool {
	switch x := a.(type) {
	case int64:
		return x < b.(int64)
	case float64:
		return x < b.(float64)
	case string:
		return x < b.(string)
	case bool:
		return !x && b.(bool)
	}
	panic(a)
}

func TestGroupAggregateChangelog(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec := gaSpecOf(t, "g", []int{gaK}, []gaAgg{{AggCountStar, -1, false, -1}, {AggSum, gaV, false, -1}, {AggMax, gaV, false, -1}}, true)
	op, err := NewGroupAggregate(gaSchema, spec, mem)
	require.NoError(t, err)
	defer op.Close()
	for i, name := range []string{"k", "a0", "a1", "a2"} {
		f := op.Schema().Field(i)
		assert.Equal(t, name, f.Name)
		assert.True(t, f.Nullable)
		assert.Equal(t, arrow.INT64, f.Type.ID())
	}
	sink := newGASink(t, op.Schema(), 1)
	row := func(k, v int64) gaRow { return gaRow{k, nil, v} }
	feed := func(events ...gaEvent) {
		rows := make([]gaRow, len(events))
		kinds := make([]RowKind, len(events))
		for i, e := range events {
			rows[i], kinds[i] = e.row, e.kind
		}
		b := gaBatch(mem, rows)
		defer b.Release()
		require.NoError(t, op.Process(ChangelogMessage(b, kinds), sink))
	}
	last := func() []string { return sink.log[len(sink.log)-1] }

	feed(gaEvent{row(1, 10), Insert}, gaEvent{row(2, 5), Insert}, gaEvent{row(1, 7), Insert})
	assert.Equal(t, []string{"+I 1|2|17|10", "+I 2|1|5|5"}, last())

	// Key 1 changes, key 2 goes away, key 3 comes and goes within the batch.
	feed(gaEvent{row(1, 3), Insert}, gaEvent{row(2, 5), Delete}, gaEvent{row(3, 1), Insert}, gaEvent{row(3, 1), Delete})
	assert.Equal(t, []string{"-U 1|2|17|10", "+U 1|3|20|10", "-D 2|1|5|5"}, last())

	// An update that leaves the result as it was emits nothing.
	feed(gaEvent{row(1, 10), UpdateBefore}, gaEvent{row(1, 10), UpdateAfter})
	assert.Len(t, sink.log, 2)

	// A retraction for a group that does not exist is ignored and counted.
	feed(gaEvent{row(9, 1), Delete}, gaEvent{row(2, 5), UpdateBefore})
	assert.Len(t, sink.log, 2)
	assert.Equal(t, int64(2), op.RetractionsIgnored)

	// Key 1 emptied and refilled within one batch: one update from the old row to the new.
	// The retraction after the key was emptied is ignored.
	feed(gaEvent{row(1, 10), Delete}, gaEvent{row(1, 7), Delete}, gaEvent{row(1, 3), Delete}, gaEvent{row(1, 3), Delete},
		gaEvent{row(1, 4), Insert})
	assert.Equal(t, []string{"-U 1|3|20|10", "+U 1|1|4|4"}, last())
	assert.Equal(t, int64(3), op.RetractionsIgnored)

	// MAX takes back its maximum.
	feed(gaEvent{row(1, 2), Insert}, gaEvent{row(1, 4), Delete})
	assert.Equal(t, []string{"-U 1|1|4|4", "+U 1|1|2|2"}, last())

	// Emptied and refilled with the same result: nothing.
	feed(gaEvent{row(1, 2), Delete}, gaEvent{row(1, 2), Insert})
	assert.Len(t, sink.log, 4)

	feed(gaEvent{row(1, 2), Delete})
	assert.Equal(t, []string{"-D 1|1|2|2"}, last())
	assert.Empty(t, sink.materialized())

	// A new key emptied and refilled twice within one batch is one new group.
	feed(gaEvent{row(1, 1), Insert}, gaEvent{row(1, 1), Delete}, gaEvent{row(1, 2), Insert}, gaEvent{row(1, 2), Delete},
		gaEvent{row(1, 3), Insert})
	assert.Equal(t, []string{"+I 1|1|3|3"}, last())
	feed(gaEvent{row(1, 3), Delete})
	assert.Equal(t, []string{"-D 1|1|3|3"}, last())
	// Every group was forgotten: every id is free.
	assert.Len(t, op.free, op.nGroups)
	assert.Zero(t, op.byInt.count)

	require.NoError(t, op.Process(WatermarkMessage(100), sink))
	require.NoError(t, op.Process(WatermarkMessage(100), sink))
	require.NoError(t, op.Process(EndMessage(), sink))
	require.NoError(t, op.Process(EndMessage(), sink))
	assert.Equal(t, []int64{100, MaxWatermark}, sink.watermarks)
	assert.Equal(t, 1, sink.ends)
}

func TestGroupAggregateGlobal(t *testing.T) {
	spec := gaSpecOf(t, "g", nil, []gaAgg{{AggCountStar, -1, false, -1}, {AggSum, gaV, false, -1}}, true)
	// No rows: no output at all.
	sink, _ := gaRun(t, spec, nil, 1)
	assert.Empty(t, sink.log)
	assert.Equal(t, []int64{MaxWatermark}, sink.watermarks)

	events := []gaEvent{{gaRow{nil, nil, int64(4)}, Insert}, {gaRow{nil, nil, int64(5)}, Insert},
		{gaRow{nil, nil, int64(4)}, Delete}, {gaRow{nil, nil, int64(5)}, Delete}}
	sink, _ = gaRun(t, spec, events, 1)
	assert.Equal(t, [][]string{{"+I 1|4"}, {"-U 1|4", "+U 2|9"}, {"-U 2|9", "+U 1|5"}, {"-D 1|5"}}, sink.log)
	sink, _ = gaRun(t, spec, events, 4)
	assert.Empty(t, sink.log, "appears and disappears within one batch")
}

func TestGroupAggregateNulls(t *testing.T) {
	aggs := []gaAgg{{AggCountStar, -1, false, -1}, {AggCount, gaV, false, -1}, {AggSum, gaV, false, -1},
		{AggMin, gaV, false, -1}, {AggAvg, gaV, false, -1}, {AggCount, gaV, true, -1}, {AggSum, gaV, false, gaFlag}}
	spec := gaSpecOf(t, "g", []int{gaK}, aggs, true)
	r := func(k, v, flag any) gaRow { return gaRow{k, nil, v, nil, nil, nil, flag} }
	events := []gaEvent{
		{r(nil, nil, nil), Insert},
		{r(nil, int64(3), nil), Insert},
		{r(int64(1), nil, true), Insert},
		{r(int64(1), int64(-3), nil), Insert}, // FILTER NULL: not counted by the filtered SUM
		{r(nil, int64(3), nil), Delete},
		{r(int64(1), int64(-3), nil), Delete},
	}
	sink, _ := gaRun(t, spec, events, 1)
	assert.Equal(t, [][]string{
		{"+I NULL|1|0|NULL|NULL|NULL|0|NULL"}, // the NULL key is a group; SUM of nothing is NULL
		{"-U NULL|1|0|NULL|NULL|NULL|0|NULL", "+U NULL|2|1|3|3|3|1|NULL"},
		{"+I 1|1|0|NULL|NULL|NULL|0|NULL"}, // FILTER TRUE on a NULL value: still NULL
		{"-U 1|1|0|NULL|NULL|NULL|0|NULL", "+U 1|2|1|-3|-3|-3|1|NULL"},
		{"-U NULL|2|1|3|3|3|1|NULL", "+U NULL|1|0|NULL|NULL|NULL|0|NULL"},
		{"-U 1|2|1|-3|-3|-3|1|NULL", "+U 1|1|0|NULL|NULL|NULL|0|NULL"},
	}, sink.log)
}

func TestGroupAggregateFilter(t *testing.T) {
	aggs := []gaAgg{{AggCountStar, -1, false, gaFlag}, {AggSum, gaV, false, gaFlag}, {AggMax, gaV, false, gaFlag},
		{AggCount, gaV, true, gaFlag}, {AggCountStar, -1, false, -1}}
	for _, updating := range []bool{false, true} {
		spec := gaSpecOf(t, "g", []int{gaK}, aggs, updating)
		r := func(v int64, flag any) gaRow { return gaRow{int64(7), nil, v, nil, nil, nil, flag} }
		events := []gaEvent{{r(5, true), Insert}, {r(9, false), Insert}, {r(6, nil), Insert}, {r(5, true), Insert}}
		sink, _ := gaRun(t, spec, events, len(events))
		assert.Equal(t, [][]string{{"+I 7|2|10|5|1|4"}}, sink.log)
	}
}

// Updating input: MIN/MAX and DISTINCT keep multisets and take values back exactly.
func TestGroupAggregateRetractMinMaxDistinct(t *testing.T) {
	aggs := []gaAgg{{AggMin, gaV, false, -1}, {AggMax, gaV, false, -1}, {AggCount, gaV, true, -1},
		{AggSum, gaV, true, -1}, {AggMin, gaStr, false, -1}, {AggMax, gaD, false, -1}, {AggMax, gaF, false, -1}}
	spec := gaSpecOf(t, "g", []int{gaS}, aggs, true)
	r := func(v int64, s string, d int64, f float64) gaRow { return gaRow{nil, "x", v, f, d, s} }
	events := []gaEvent{
		{r(5, "m", 100, 1.5), Insert},
		{r(3, "b", 250, -1), Insert},
		{r(5, "m", 100, 1.5), Insert},       // changes nothing
		{r(3, "b", 250, -1), Delete},        // the minimum's only copy
		{r(5, "m", 100, 1.5), UpdateBefore}, // one of two copies of the maximum: changes nothing
		{r(8, "z", -5, 0.5), UpdateAfter},
		{r(8, "z", -5, 0.5), Delete},
	}
	sink, _ := gaRun(t, spec, events, 1)
	assert.Equal(t, [][]string{
		{`+I "x"|5|5|1|5|"m"|1.00|1.5`},
		{`-U "x"|5|5|1|5|"m"|1.00|1.5`, `+U "x"|3|5|2|8|"b"|2.50|1.5`},
		{`-U "x"|3|5|2|8|"b"|2.50|1.5`, `+U "x"|5|5|1|5|"m"|1.00|1.5`},
		{`-U "x"|5|5|1|5|"m"|1.00|1.5`, `+U "x"|5|8|2|13|"m"|1.00|1.5`},
		{`-U "x"|5|8|2|13|"m"|1.00|1.5`, `+U "x"|5|5|1|5|"m"|1.00|1.5`},
	}, sink.log)
	// The whole sequence in other batch sizes, checked against the reference.
	for _, size := range []int{1, 2, 3, len(events)} {
		sink, _ := gaRun(t, spec, events, size)
		assert.Equal(t, gaReference(events, spec.Keys, aggs), sink.materialized(), "size %d", size)
	}
}

// The materialized result does not depend on how rows are split into batches, for every
// key layout, on append-only and updating input.
func TestGroupAggregateBatchSizeIndependence(t *testing.T) {
	for _, keys := range [][]int{{gaK}, {gaS, gaK}, {gaStr}, {gaTs}, {gaI32}, nil} {
		for _, updating := range []bool{false, true} {
			name := fmt.Sprintf("keys=%v/updating=%v", keys, updating)
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(len(keys))*7 + 1))
				events := gaRandomEvents(rng, 400, updating)
				spec := gaSpecOf(t, "g", keys, gaAllAggs, updating)
				want := gaReference(events, keys, gaAllAggs)
				require.NotEmpty(t, want)
				for _, size := range []int{1, 3, 17, len(events)} {
					sink, op := gaRun(t, spec, events, size)
					require.Equal(t, want, sink.materialized(), "batch size %d", size)
					assert.Zero(t, op.RetractionsIgnored)
				}
			})
		}
	}
}

// Feeding half the rows, snapshotting, and restoring into a fresh operator gives the same
// output as running straight through.
func TestGroupAggregateSnapshotRestore(t *testing.T) {
	for _, keys := range [][]int{{gaK}, {gaStr}, {gaS, gaK}, nil} {
		for _, updating := range []bool{false, true} {
			t.Run(fmt.Sprintf("keys=%v/updating=%v", keys, updating), func(t *testing.T) {
				rng := rand.New(rand.NewSource(3))
				events := gaRandomEvents(rng, 600, updating)
				spec := gaSpecOf(t, "g", keys, gaAllAggs, updating)
				const size = 7
				straight, _ := gaRun(t, spec, events, size)

				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				half := len(events) / 2 / size * size
				op1, err := NewGroupAggregate(gaSchema, spec, mem)
				require.NoError(t, err)
				sink := newGASink(t, op1.Schema(), len(keys))
				gaFeed(t, op1, events[:half], size, updating, sink, mem)
				state, err := op1.Snapshot()
				require.NoError(t, err)
				require.NoError(t, op1.Close())
				op2, err := NewGroupAggregate(gaSchema, spec, mem)
				require.NoError(t, err)
				require.NoError(t, op2.Restore(state))
				assert.Equal(t, "g", op2.StateID())
				gaFeed(t, op2, events[half:], size, updating, sink, mem)
				require.NoError(t, op2.Process(EndMessage(), sink))
				require.NoError(t, op2.Close())
				mem.AssertSize(t, 0)
				assert.Equal(t, straight.log, sink.log)
				assert.Equal(t, gaReference(events, keys, gaAllAggs), sink.materialized())
			})
		}
	}
}

func TestGroupAggregateErrors(t *testing.T) {
	mem := memory.NewGoAllocator()
	_, err := NewGroupAggregate(gaSchema, GroupAggSpec{ID: "g", Keys: []int{42}}, mem)
	assert.Error(t, err)
	_, err = NewGroupAggregate(gaSchema, GroupAggSpec{ID: "g", Aggs: []AggSpec{{Kind: AggSum, Arg: gaStr, Filter: -1, Name: "s", Type: arrow.BinaryTypes.String}}}, mem)
	assert.Error(t, err, "SUM of a string")
	_, err = NewGroupAggregate(gaSchema, GroupAggSpec{ID: "g", Aggs: []AggSpec{{Kind: AggMax, Arg: gaV, Filter: -1, Name: "m", Type: arrow.PrimitiveTypes.Float64}}}, mem)
	assert.Error(t, err, "MAX of a BIGINT declared DOUBLE")
	_, err = NewGroupAggregate(gaSchema, GroupAggSpec{ID: "g", Aggs: []AggSpec{{Kind: AggCountStar, Arg: -1, Filter: gaV, Name: "c", Type: arrow.PrimitiveTypes.Int64}}}, mem)
	assert.Error(t, err, "FILTER over a non-BOOLEAN column")

	// MIN of an input declared append-only cannot take a row back: an error, not a wrong result.
	spec := gaSpecOf(t, "g", []int{gaK}, []gaAgg{{AggMin, gaV, false, -1}}, false)
	op, err := NewGroupAggregate(gaSchema, spec, mem)
	require.NoError(t, err)
	b := gaBatch(mem, []gaRow{{int64(1), nil, int64(2)}})
	defer b.Release()
	require.NoError(t, op.Process(ChangelogMessage(b, []RowKind{Insert}), EmitFunc(func(Message) error { return nil })))
	assert.ErrorContains(t, op.Process(ChangelogMessage(b, []RowKind{Delete}), EmitFunc(func(Message) error { return nil })), "append-only")

	// COUNT and SUM can take rows back even when the input was declared append-only.
	spec = gaSpecOf(t, "g", []int{gaK}, []gaAgg{{AggSum, gaV, false, -1}}, false)
	sink, _ := gaRun(t, spec, []gaEvent{{gaRow{int64(1), nil, int64(2)}, Insert}, {gaRow{int64(1), nil, int64(2)}, Insert}}, 1)
	assert.Equal(t, []string{"1|4"}, sink.materialized())
	spec.InputUpdating = false
	op, err = NewGroupAggregate(gaSchema, spec, mem)
	require.NoError(t, err)
	sink = newGASink(t, op.Schema(), 1)
	require.NoError(t, op.Process(ChangelogMessage(b, []RowKind{Insert}), sink))
	require.NoError(t, op.Process(ChangelogMessage(b, []RowKind{Delete}), sink))
	assert.Equal(t, [][]string{{"+I 1|2"}, {"-D 1|2"}}, sink.log)

	// A bad snapshot is refused.
	assert.Error(t, op.Restore([]byte("nonsense")))
}

// Many groups, most of them forgotten again: group ids and int-table slots are reused, and
// deletion from the int table keeps every other key findable.
func TestGroupAggregateManyGroups(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	var events []gaEvent
	live := map[int64]int{}
	for i := 0; i < 10000; i++ {
		k := int64(rng.Intn(3000)) * 7919
		if live[k] > 0 && rng.Intn(2) == 0 {
			live[k]--
			events = append(events, gaEvent{gaRow{k, nil, k % 13}, Delete})
			continue
		}
		live[k]++
		events = append(events, gaEvent{gaRow{k, nil, k % 13}, Insert})
	}
	aggs := []gaAgg{{AggCountStar, -1, false, -1}, {AggMax, gaV, false, -1}}
	spec := gaSpecOf(t, "g", []int{gaK}, aggs, true)
	// Deletes retract rows equal to inserted ones (v is a function of k), so the reference
	// holds.
	want := gaReference(events, spec.Keys, aggs)
	for _, size := range []int{1, 100, 1024} {
		sink, op := gaRun(t, spec, events, size)
		require.Equal(t, want, sink.materialized(), "size %d", size)
		assert.LessOrEqual(t, op.nGroups, 3000+size)
	}
}

func TestGroupAggregateIntIndex(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tb := newGroupIntIndex(0)
	ref := map[int64]int32{}
	for i := 0; i < 200000; i++ {
		k := int64(rng.Intn(500)) - 250
		if k%3 == 0 {
			k *= 1 << 40 // spread: some keys collide in the low bits
		}
		switch _, ok := ref[k]; {
		case ok && rng.Intn(3) == 0:
			tb.remove(k)
			delete(ref, k)
		case ok:
			tb.set(k, int32(i))
			ref[k] = int32(i)
		default:
			tb.put(k, int32(i))
			ref[k] = int32(i)
		}
		if i%1000 == 0 {
			for k2 := int64(-250); k2 < 250; k2++ {
				for _, kk := range []int64{k2, k2 * (1 << 40)} {
					want, ok := ref[kk]
					if !ok {
						want = -1
					}
					require.Equal(t, want, tb.get(kk), "key %d at step %d", kk, i)
				}
			}
		}
	}
	assert.Equal(t, len(ref), tb.count)
}
