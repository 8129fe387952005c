package exec

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var overExactSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String},
	{Name: "ts", Type: rkTS},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Int64},
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func overAgg(kind AggKind, arg, filter int, frame OverFrame, name string) OverAggSpec {
	return OverAggSpec{Kind: OverAgg, Agg: AggSpec{Kind: kind, Arg: arg, Filter: filter}, Frame: frame, Name: name}
}

func overTime(b arrow.RecordBatch, i int) int64 {
	return int64(b.Column(1).(*array.Timestamp).Value(i))
}

func TestOverExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spec := OverSpec{ID: "over", PartitionKeys: []int{0}, TimeCol: 1, Aggs: []OverAggSpec{
		overAgg(AggSum, 2, -1, OverFrame{Rows: true, Preceding: 1}, "sum_rows"),
		overAgg(AggSum, 2, -1, OverFrame{Preceding: 2}, "sum_range"),
		overAgg(AggCountStar, -1, -1, OverFrame{Preceding: -1}, "cnt"),
		{Kind: OverLag, Arg: 2, Offset: 1, Default: -1, Name: "lag"},
		{Kind: OverLead, Arg: 2, Offset: 1, Default: 3, Name: "lead"},
		{Kind: OverRowNumber, Name: "rn"},
	}}
	late := &rkLate{}
	op, err := NewOverAggregate(overExactSchema, spec, mem, late)
	require.NoError(t, err)
	assert.Equal(t, "k ts v d id sum_rows sum_range cnt lag lead rn", fieldNames(op.Schema()))
	assert.Equal(t, arrow.PrimitiveTypes.Int64, op.Schema().Field(5).Type)
	assert.False(t, op.Schema().Field(10).Nullable)
	c := newRKCollector(t, op.Schema())
	c.timeOf = overTime
	feed := func(rows ...[]any) {
		b := rkBatch(mem, overExactSchema, rows)
		defer b.Release()
		require.NoError(t, op.Process(BatchMessage(b, nil), c))
	}
	// Partition a in order: ts 1 (v 1), ts 2 (v 2, then v 3: ties keep arrival), ts 4 (v 4),
	// ts 10 (v 5). d = 100 + id is LEAD's default.
	feed(
		[]any{"a", int64(2), int64(2), int64(101), int64(1)},
		[]any{"a", int64(1), int64(1), int64(102), int64(2)},
		[]any{"a", int64(2), int64(3), int64(103), int64(3)},
		[]any{"a", int64(10), int64(5), int64(104), int64(4)},
		[]any{"a", int64(4), int64(4), int64(105), int64(5)},
		[]any{"b", int64(3), int64(10), int64(106), int64(6)},
	)
	require.NoError(t, op.Process(WatermarkMessage(2), c))
	// Both ts-2 rows see each other in the RANGE frame; the second one waits for LEAD.
	assert.Equal(t, []string{
		`+I "a"|1|1|102|2|1|1|1|∅|2|1`,
		`+I "a"|2|2|101|1|3|6|3|1|3|2`,
	}, c.log)
	assert.Equal(t, []int64{1}, c.wms, "held back below the row waiting for LEAD")
	// Late against the watermark 2.
	feed([]any{"a", int64(2), int64(9), int64(0), int64(7)})
	assert.Equal(t, int64(1), op.LateRecordsDropped)
	assert.Equal(t, []string{`"a"|2|9|0|7`}, late.rows)
	c.log = nil
	require.NoError(t, op.Process(WatermarkMessage(5), c))
	assert.Equal(t, []string{`+I "a"|2|3|103|3|5|6|3|2|4|3`}, c.log)
	assert.Equal(t, []int64{1, 2}, c.wms)
	c.log = nil
	require.NoError(t, op.Process(EndMessage(), c))
	assert.Equal(t, []string{
		`+I "a"|4|4|105|5|7|9|4|3|5|4`,
		`+I "a"|10|5|104|4|9|5|5|4|104|5`, // no row after it: LEAD's default
		`+I "b"|3|10|106|6|10|10|1|∅|106|1`,
	}, c.log)
	assert.Equal(t, []int64{1, 2, MaxWatermark}, c.wms)
}

func fieldNames(s *arrow.Schema) string {
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return fmt.Sprint(names)[1 : len(fmt.Sprint(names))-1]
}

func TestOverTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: rkTS},
		{Name: "d", Type: dec, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	}, nil)
	unb := OverFrame{Rows: true, Preceding: -1}
	spec := OverSpec{ID: "types", TimeCol: 0, Aggs: []OverAggSpec{
		overAgg(AggSum, 1, -1, unb, "sum_d"),
		overAgg(AggAvg, 1, -1, OverFrame{Rows: true, Preceding: 1}, "avg_d"),
		overAgg(AggMin, 2, -1, OverFrame{Rows: true, Preceding: 1}, "min_s"),
		overAgg(AggMax, 3, -1, OverFrame{Preceding: -1}, "max_f"),
		overAgg(AggAvg, 4, -1, unb, "avg_i"),
		overAgg(AggCount, 4, 5, unb, "cnt_ok"),
		overAgg(AggMax, 5, -1, unb, "max_ok"),
		{Kind: OverLag, Arg: 6, Offset: 1, Default: -1, Name: "lag_l"},
		{Kind: OverLag, Arg: 2, Offset: 0, Default: -1, Name: "lag0"},
	}}
	op, err := NewOverAggregate(schema, spec, mem, nil)
	require.NoError(t, err)
	assert.Equal(t, "decimal(38, 2)", op.Schema().Field(7).Type.String())
	assert.Equal(t, "decimal(38, 6)", op.Schema().Field(8).Type.String())
	c := newRKCollector(t, op.Schema())
	in := array.NewRecordBuilder(mem, schema)
	defer in.Release()
	for _, r := range []struct {
		ts   int64
		d, s string
		f    float64
		i    int64
		ok   bool
		l    []int64
	}{{1, "1.25", "b", 2.5, 7, true, []int64{1}}, {2, "2.00", "a", -1, -2, false, nil}, {3, "-4.01", "c", 0.5, 0, true, []int64{2, 3}}} {
		in.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts))
		require.NoError(t, in.Field(1).AppendValueFromString(r.d))
		in.Field(2).(*array.StringBuilder).Append(r.s)
		in.Field(3).(*array.Float64Builder).Append(r.f)
		in.Field(4).(*array.Int64Builder).Append(r.i)
		in.Field(5).(*array.BooleanBuilder).Append(r.ok)
		lb := in.Field(6).(*array.ListBuilder)
		if r.l == nil {
			lb.AppendNull()
		} else {
			lb.Append(true)
			lb.ValueBuilder().(*array.Int64Builder).AppendValues(r.l, nil)
		}
	}
	b := in.NewRecordBatch()
	require.NoError(t, op.Process(BatchMessage(b, nil), c))
	b.Release()
	require.NoError(t, op.Process(EndMessage(), c))
	cols := func(i int) []string {
		var out []string
		for _, l := range c.log {
			out = append(out, splitRK(l)[i])
		}
		return out
	}
	assert.Equal(t, []string{"1.25", "3.25", "-0.76"}, cols(7), "SUM(DECIMAL)")
	assert.Equal(t, []string{"1.25", "1.625", "-1.005"}, cols(8), "AVG(DECIMAL), scale 6, rounded half away from zero")
	assert.Equal(t, []string{`"b"`, `"a"`, `"a"`}, cols(9), "MIN(STRING) ROWS 1 PRECEDING")
	assert.Equal(t, []string{"2.5", "2.5", "2.5"}, cols(10))
	assert.Equal(t, []string{"7", "2", "1"}, cols(11), "AVG(BIGINT) truncates")
	assert.Equal(t, []string{"1", "1", "2"}, cols(12), "COUNT FILTER")
	assert.Equal(t, []string{"true", "true", "true"}, cols(13))
	assert.Equal(t, []string{"∅", "[1]", "∅"}, cols(14), "LAG of a nested type")
	assert.Equal(t, []string{`"b"`, `"a"`, `"c"`}, cols(15), "LAG(x, 0) is the current row")
}

func splitRK(l string) []string {
	var out []string
	cur := ""
	inQuote := false
	for _, r := range l[3:] {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur += string(r)
		case r == '|' && !inQuote:
			out = append(out, cur)
			cur = ""
		default:
			cur += string(r)
		}
	}
	return append(out, cur)
}

func TestOverSpecErrors(t *testing.T) {
	mem := memory.NewGoAllocator()
	bad := []OverAggSpec{
		overAgg(AggSum, 0, -1, OverFrame{}, "sum of a string"),
		{Kind: OverAgg, Agg: AggSpec{Kind: AggSum, Arg: 2, Filter: -1, Distinct: true}},
		overAgg(AggCount, 2, 2, OverFrame{}, "filter is not boolean"),
		{Kind: OverLag, Arg: 2, Offset: -1, Default: -1},
		{Kind: OverLag, Arg: 2, Offset: 1, Default: 0}, // default of another type
		{Kind: OverLead, Arg: 2, Offset: 1, Default: -1, Type: arrow.BinaryTypes.String},
		{Kind: OverAgg, Agg: AggSpec{Kind: AggAvg, Arg: 2, Filter: -1}, Type: arrow.PrimitiveTypes.Float64},
		{Kind: OverRowNumber, Type: arrow.PrimitiveTypes.Int32},
	}
	for i, a := range bad {
		_, err := NewOverAggregate(overExactSchema, OverSpec{TimeCol: 1, Aggs: []OverAggSpec{a}}, mem, nil)
		assert.Error(t, err, "%d", i)
	}
	_, err := NewOverAggregate(overExactSchema, OverSpec{TimeCol: 0}, mem, nil)
	assert.Error(t, err, "k is not a time column")
}

var overSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String},
	{Name: "ts", Type: rkTS, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Int64},
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// overStream is a random out-of-order stream with per-row watermarks; some rows are late.
func overStream(rng *rand.Rand, n int) rkStream {
	var rows [][]any
	wms := []int64{MinWatermark}
	maxT := int64(0)
	for i := 0; i < n; i++ {
		ts := int64(i/2) - int64(rng.Intn(8))
		var v, s, flag any = int64(rng.Intn(20) - 5), []string{"x", "y", "z", "w"}[rng.Intn(4)], rng.Intn(3) > 0
		if rng.Intn(6) == 0 {
			v = nil
		}
		if rng.Intn(6) == 0 {
			s = nil
		}
		if rng.Intn(6) == 0 {
			flag = nil
		}
		var tsv any = ts
		if rng.Intn(100) == 0 {
			tsv = nil
		}
		rows = append(rows, []any{[]string{"a", "b", "c"}[rng.Intn(3)], tsv, v, s, flag, int64(1000 + i), int64(i)})
		maxT = max(maxT, ts)
		wms = append(wms, max(wms[len(wms)-1], maxT-int64(rng.Intn(10))))
	}
	return rkStream{schema: overSchema, rows: rows, wms: wms}
}

func overRandomFrame(rng *rand.Rand) OverFrame {
	switch rng.Intn(4) {
	case 0:
		return OverFrame{Rows: true, Preceding: int64(rng.Intn(4))}
	case 1:
		return OverFrame{Preceding: int64(rng.Intn(6))}
	case 2:
		return OverFrame{Rows: true, Preceding: -1}
	}
	return OverFrame{Preceding: -1}
}

// overRef computes the OVER aggregates by brute force: the rows that are not late, per
// partition sorted by (ts, arrival), each aggregate over its frame recomputed from scratch.
func overRef(s rkStream, spec OverSpec) []string {
	parts := map[string][][]any{}
	var order []string
	for i, r := range s.rows {
		if r[1] == nil || r[1].(int64) <= s.wms[i] {
			continue
		}
		var pk string
		for _, c := range spec.PartitionKeys {
			pk += fmt.Sprint(r[c], "|")
		}
		if _, ok := parts[pk]; !ok {
			order = append(order, pk)
		}
		parts[pk] = append(parts[pk], r)
	}
	var out []string
	for _, pk := range order {
		rs := parts[pk]
		slices.SortStableFunc(rs, func(a, b []any) int { return cmpInt(a[1].(int64), b[1].(int64)) })
		for k, r := range rs {
			res := append([]any{}, r...)
			for _, a := range spec.Aggs {
				res = append(res, overRefAgg(rs, k, a))
			}
			out = append(out, rkRender(res))
		}
	}
	return rkSorted(out)
}

func overRefAgg(rs [][]any, k int, a OverAggSpec) any {
	switch a.Kind {
	case OverRowNumber:
		return int64(k + 1)
	case OverLag, OverLead:
		j := k - int(a.Offset)
		if a.Kind == OverLead {
			j = k + int(a.Offset)
		}
		if j >= 0 && j < len(rs) {
			return rs[j][a.Arg]
		}
		if a.Default < 0 {
			return nil
		}
		return rs[k][a.Default]
	}
	ts := rs[k][1].(int64)
	var frame [][]any
	for j, r := range rs {
		var in bool
		switch f := a.Frame; {
		case f.Rows && f.Preceding < 0:
			in = j <= k
		case f.Rows:
			in = j <= k && j >= k-int(f.Preceding)
		case f.Preceding < 0:
			in = r[1].(int64) <= ts
		default:
			in = r[1].(int64) <= ts && r[1].(int64) >= ts-f.Preceding
		}
		if !in {
			continue
		}
		if a.Agg.Filter >= 0 && r[a.Agg.Filter] != true {
			continue
		}
		if a.Agg.Arg >= 0 && r[a.Agg.Arg] == nil {
			continue
		}
		frame = append(frame, r)
	}
	switch a.Agg.Kind {
	case AggCountStar, AggCount:
		return int64(len(frame))
	}
	if len(frame) == 0 {
		return nil
	}
	var best any
	var sum int64
	for _, r := range frame {
		v := r[a.Agg.Arg]
		switch a.Agg.Kind {
		case AggSum, AggAvg:
			sum += v.(int64)
		case AggMin, AggMax:
			if best == nil || overRefLess(v, best) == (a.Agg.Kind == AggMin) && v != best {
				best = v
			}
		}
	}
	switch a.Agg.Kind {
	case AggSum:
		return sum
	case AggAvg:
		return sum / int64(len(frame))
	}
	return best
}

func overRefLess(a, b any) bool {
	if x, ok := a.(int64); ok {
		return x < b.(int64)
	}
	return a.(string) < b.(string)
}

func overRandomSpec(rng *rand.Rand) OverSpec {
	spec := OverSpec{ID: "over", PartitionKeys: []int{0}, TimeCol: 1, Aggs: []OverAggSpec{
		overAgg(AggCountStar, -1, 4, overRandomFrame(rng), "cnt_flag"),
		overAgg(AggCount, 2, -1, overRandomFrame(rng), "cnt_v"),
		overAgg(AggSum, 2, -1, overRandomFrame(rng), "sum_v"),
		overAgg(AggAvg, 2, 4, overRandomFrame(rng), "avg_v_flag"),
		overAgg(AggMin, 2, -1, overRandomFrame(rng), "min_v"),
		overAgg(AggMax, 2, -1, overRandomFrame(rng), "max_v"),
		overAgg(AggMax, 3, -1, overRandomFrame(rng), "max_s"),
		overAgg(AggMin, 3, -1, overRandomFrame(rng), "min_s"),
		{Kind: OverLag, Arg: 2, Offset: int64(rng.Intn(3)), Default: 5, Name: "lag_v"},
		{Kind: OverLag, Arg: 3, Offset: int64(1 + rng.Intn(2)), Default: -1, Name: "lag_s"},
		{Kind: OverRowNumber, Name: "rn"},
	}}
	if rng.Intn(3) > 0 {
		spec.Aggs = append(spec.Aggs,
			OverAggSpec{Kind: OverLead, Arg: 3, Offset: int64(rng.Intn(3)), Default: -1, Name: "lead_s"},
			OverAggSpec{Kind: OverLead, Arg: 2, Offset: int64(1 + rng.Intn(3)), Default: 5, Name: "lead_v"})
	}
	if rng.Intn(4) == 0 {
		spec.PartitionKeys = nil
	}
	return spec
}

func TestOverRandom(t *testing.T) {
	for seed := int64(0); seed < 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := overStream(rng, 200)
		spec := overRandomSpec(rng)
		want := overRef(s, spec)
		lates := 0
		for i, r := range s.rows {
			if r[1] == nil || r[1].(int64) <= s.wms[i] {
				lates++
			}
		}
		for _, size := range rkSizes {
			for _, restart := range []int{-1, 100} {
				t.Run(fmt.Sprintf("seed=%d/size=%d/restart=%d", seed, size, restart), func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					newOp := func() rkOp { return must(NewOverAggregate(overSchema, spec, mem, nil)) }
					c := newRKCollector(t, newOp().Schema())
					c.timeOf = overTime
					op := rkRun(t, mem, newOp, s, size, restart, c, nil)
					require.Equal(t, want, c.materialized())
					assert.False(t, c.updates)
					assert.Equal(t, int64(lates), op.(*OverAggregate).LateRecordsDropped)
				})
			}
		}
	}
}

// BenchmarkOverRange is COUNT(*), SUM(price), MAX(price) OVER (PARTITION BY k ORDER BY ts
// RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) over 1M rows of 1,000
// keys, ~1 row per ms slightly out of order, in 8192-row batches each followed by a
// watermark 1 s behind.
func BenchmarkOverRange(b *testing.B) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: rkTS},
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	const total, batch, keys = 1 << 20, 8192, 1000
	rng := rand.New(rand.NewSource(1))
	var batches []arrow.RecordBatch
	var wms []int64
	t0 := int64(1_793_491_200_000)
	for done := 0; done < total; done += batch {
		tb, kb, pb := array.NewTimestampBuilder(mem, rkTS), array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		for i := 0; i < batch; i++ {
			tb.Append(arrow.Timestamp(t0 + int64(done+i) - int64(rng.Intn(100))))
			kb.Append(int64(rng.Intn(keys)))
			pb.Append(int64(rng.Intn(10_000)))
		}
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{tb.NewArray(), kb.NewArray(), pb.NewArray()}, batch))
		wms = append(wms, t0+int64(done+batch)-1000)
	}
	r10s := OverFrame{Preceding: 10_000}
	spec := OverSpec{ID: "bench", PartitionKeys: []int{1}, TimeCol: 0, Aggs: []OverAggSpec{
		overAgg(AggCountStar, -1, -1, r10s, "c"),
		overAgg(AggSum, 2, -1, r10s, "s"),
		overAgg(AggMax, 2, -1, r10s, "m"),
	}}
	out := 0
	count := EmitFunc(func(m Message) error {
		if m.Kind == KindBatch {
			out += int(m.Batch.NumRows())
		}
		return nil
	})
	b.ResetTimer()
	n := 0
	for b.Loop() {
		op, err := NewOverAggregate(schema, spec, mem, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i, rb := range batches {
			if err := op.Process(BatchMessage(rb, nil), count); err != nil {
				b.Fatal(err)
			}
			if err := op.Process(WatermarkMessage(wms[i]), count); err != nil {
				b.Fatal(err)
			}
		}
		if err := op.Process(EndMessage(), count); err != nil {
			b.Fatal(err)
		}
		if op.LateRecordsDropped != 0 || out != total {
			b.Fatalf("%d late, %d out", op.LateRecordsDropped, out)
		}
		out = 0
		n += total
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
