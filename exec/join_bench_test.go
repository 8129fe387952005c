package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// jbStream is one side of a join benchmark: its batches with row watermarks, each followed
// by the side's watermark after it.
type jbStream struct {
	batches []arrow.RecordBatch
	rowWMs  [][]int64
	wms     []int64
}

func (s *jbStream) release() {
	for _, b := range s.batches {
		b.Release()
	}
}

var jbSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
	{Name: "key", Type: arrow.PrimitiveTypes.Int64},
	{Name: "val", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// jbGenerate makes rows rows 1 ms apart, each delayed by up to disorder ms at random, with
// keys uniform in [0, keys); the watermark is the largest time so far - lag.
func jbGenerate(mem memory.Allocator, seed int64, rows, batch, keys int, disorder, lag int64) *jbStream {
	rng := rand.New(rand.NewSource(seed))
	s := &jbStream{}
	base := int64(1_793_491_200_000)
	wm := MinWatermark
	for lo := 0; lo < rows; lo += batch {
		n := min(batch, rows-lo)
		tb := array.NewTimestampBuilder(mem, jbSchema.Field(0).Type.(*arrow.TimestampType))
		kb := array.NewInt64Builder(mem)
		vb := array.NewInt64Builder(mem)
		rowWM := make([]int64, n)
		for i := 0; i < n; i++ {
			ts := base + int64(lo+i) - rng.Int63n(disorder+1)
			rowWM[i] = wm
			wm = max(wm, ts-lag)
			tb.Append(arrow.Timestamp(ts))
			kb.Append(int64(rng.Intn(keys)))
			vb.Append(rng.Int63n(1000))
		}
		cols := []arrow.Array{tb.NewArray(), kb.NewArray(), vb.NewArray()}
		s.batches = append(s.batches, array.NewRecordBatch(jbSchema, cols, int64(n)))
		for _, c := range cols {
			c.Release()
		}
		tb.Release()
		kb.Release()
		vb.Release()
		s.rowWMs = append(s.rowWMs, rowWM)
		s.wms = append(s.wms, wm)
	}
	return s
}

// jbRun feeds both streams to op, alternating a batch (and its watermark) of each side.
func jbRun(b *testing.B, op BinaryOperator, l, r *jbStream, out Emitter) {
	for i := range l.batches {
		for side, s := range []*jbStream{l, r} {
			if err := op.ProcessSide(side, BatchMessage(s.batches[i], s.rowWMs[i]), out); err != nil {
				b.Fatal(err)
			}
			if err := op.ProcessSide(side, WatermarkMessage(s.wms[i]), out); err != nil {
				b.Fatal(err)
			}
		}
	}
	for side := 0; side < 2; side++ {
		if err := op.ProcessSide(side, WatermarkMessage(MaxWatermark), out); err != nil {
			b.Fatal(err)
		}
		if err := op.ProcessSide(side, EndMessage(), out); err != nil {
			b.Fatal(err)
		}
	}
}

// jbCounter counts output rows.
type jbCounter struct{ rows int64 }

func (c *jbCounter) Emit(m Message) error {
	if m.Kind == KindBatch {
		c.rows += m.Batch.NumRows()
	}
	return nil
}

// BenchmarkIntervalJoin joins two streams of 1M rows over 1,000 keys, 1 ms apart with up to
// 500 ms of disorder, watermark = largest time - 1 s on each side, r.ts - l.ts in
// [-2 s, +2 s]: about 4 matches per row. rows/s counts input rows of both sides;
// peak-state-rows must stay in the thousands (the rows of ~3.5 s per side plus a batch).
func BenchmarkIntervalJoin(b *testing.B) {
	for _, batch := range []int{1024, 8192} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchIntervalJoin(b, batch) })
	}
}

func benchIntervalJoin(b *testing.B, batch int) {
	const rows = 1_000_000
	mem := memory.NewGoAllocator()
	l := jbGenerate(mem, 1, rows, batch, 1000, 500, 1000)
	r := jbGenerate(mem, 2, rows, batch, 1000, 500, 1000)
	defer l.release()
	defer r.release()
	spec := IntervalJoinSpec{ID: "bench", Type: InnerJoin, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftTime: 0, RightTime: 0, Lower: -2000, Upper: 2000}
	var peak, out, late int64
	b.ResetTimer()
	for b.Loop() {
		op, err := NewIntervalJoin(jbSchema, jbSchema, spec, mem, nil)
		if err != nil {
			b.Fatal(err)
		}
		c := &jbCounter{}
		jbRun(b, op, l, r, c)
		peak, out, late = op.PeakStateRows, c.rows, op.LateRecordsDropped
		op.Close()
	}
	b.ReportMetric(float64(2*rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak), "peak-state-rows")
	b.ReportMetric(float64(out), "out-rows")
	if late != 0 {
		b.Fatalf("%d late rows", late)
	}
}

// BenchmarkJoin is the regular LEFT join of two streams of 100,000 rows on a key with
// 100,000 values (about one match per row). Every row stays in state (there is no time
// bound), so the streams are shorter than the interval join's.
func BenchmarkJoin(b *testing.B) {
	const rows = 100_000
	mem := memory.NewGoAllocator()
	l := jbGenerate(mem, 1, rows, 8192, rows, 500, 1000)
	r := jbGenerate(mem, 2, rows, 8192, rows, 500, 1000)
	defer l.release()
	defer r.release()
	spec := JoinSpec{ID: "bench", Type: LeftJoin, LeftKeys: []int{1}, RightKeys: []int{1}}
	var out int64
	b.ResetTimer()
	for b.Loop() {
		op, err := NewJoin(jbSchema, jbSchema, spec, mem)
		if err != nil {
			b.Fatal(err)
		}
		c := &jbCounter{}
		jbRun(b, op, l, r, c)
		out = c.rows
		op.Close()
	}
	b.ReportMetric(float64(2*rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(out), "out-rows")
}
