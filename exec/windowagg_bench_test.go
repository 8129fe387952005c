package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkTumbleCountMax is the 10 s tumbling COUNT(*), MAX(price) per auction of
// performance.md on 8192-row Arrow batches, ~1 event per ms, with 100 auctions (few groups
// per window) and 10,000 auctions (a window has ~6,300 groups: output is 60% of input).
func BenchmarkTumbleCountMax(b *testing.B) {
	for _, keys := range []int{100, 10000} {
		b.Run(fmt.Sprintf("auctions=%d", keys), func(b *testing.B) { benchTumble(b, keys) })
	}
}

func benchTumble(b *testing.B, keys int) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
		{Name: "auction", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	const rows = 8192
	rng := rand.New(rand.NewSource(1))
	var batches []arrow.RecordBatch
	t := int64(1_793_491_200_000)
	for k := 0; k < 64; k++ {
		tb := array.NewTimestampBuilder(mem, schema.Field(0).Type.(*arrow.TimestampType))
		ab := array.NewInt64Builder(mem)
		pb := array.NewFloat64Builder(mem)
		for i := 0; i < rows; i++ {
			t += int64(rng.Intn(3))
			tb.Append(arrow.Timestamp(t))
			ab.Append(int64(rng.Intn(keys)))
			pb.Append(rng.Float64() * 10000)
		}
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{tb.NewArray(), ab.NewArray(), pb.NewArray()}, rows))
	}
	spec := WindowAggSpec{ID: "bench", Window: WindowSpec{Kind: Tumble, TimeCol: 0, Size: 10_000}, Keys: []int{1},
		Aggs: []AggSpec{{Kind: AggCountStar, Arg: -1, Filter: -1, Name: "c", Type: arrow.PrimitiveTypes.Int64},
			{Kind: AggMax, Arg: 2, Filter: -1, Name: "m", Type: arrow.PrimitiveTypes.Float64}}}
	discard := EmitFunc(func(Message) error { return nil })
	b.ResetTimer()
	n := 0
	for b.Loop() {
		op, err := NewWindowAggregate(schema, spec, mem, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, rb := range batches {
			if err := op.Process(BatchMessage(rb, nil), discard); err != nil {
				b.Fatal(err)
			}
			last := rb.Column(0).(*array.Timestamp).Value(rows - 1)
			if err := op.Process(WatermarkMessage(int64(last)-5000), discard); err != nil {
				b.Fatal(err)
			}
		}
		if err := op.Process(EndMessage(), discard); err != nil {
			b.Fatal(err)
		}
		n += 64 * rows
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
