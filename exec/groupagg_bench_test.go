package exec

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// gaBenchInput is 1M rows (key, value) in batches of 1024 rows: keys BIGINT (or STRING)
// drawn from 10,000 distinct ones. updating: after a first insert per key, every change is
// a -U of the key's previous row and a +U of a new one (the changelog of an upstream
// updating operator).
func gaBenchInput(mem memory.Allocator, stringKeys, updating bool) (*arrow.Schema, []Message) {
	const total, batch, keys = 1 << 20, 1024, 10_000
	var kt arrow.DataType = arrow.PrimitiveTypes.Int64
	if stringKeys {
		kt = arrow.BinaryTypes.String
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: kt}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rng := rand.New(rand.NewSource(1))
	last := map[int64]int64{}
	var msgs []Message
	for n := 0; n < total; n += batch {
		b := array.NewRecordBuilder(mem, schema)
		vb := b.Field(1).(*array.Int64Builder)
		appendKey := func(k int64) {
			if stringKeys {
				b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("customer-%06d", k))
			} else {
				b.Field(0).(*array.Int64Builder).Append(k)
			}
		}
		var kinds []RowKind
		for i := 0; i < batch; {
			k, v := int64(rng.Intn(keys)), rng.Int63n(1_000_000)
			old, seen := last[k]
			if !updating || !seen {
				appendKey(k)
				vb.Append(v)
				kinds = append(kinds, Insert)
				i++
			} else {
				appendKey(k)
				vb.Append(old)
				appendKey(k)
				vb.Append(v)
				kinds = append(kinds, UpdateBefore, UpdateAfter)
				i += 2
			}
			last[k] = v
		}
		if !updating {
			kinds = nil
		}
		msgs = append(msgs, ChangelogMessage(b.NewRecordBatch(), kinds))
		b.Release()
	}
	return schema, msgs
}

func benchGroupAggregate(b *testing.B, stringKeys, updating bool) {
	mem := memory.NewGoAllocator()
	schema, msgs := gaBenchInput(mem, stringKeys, updating)
	spec := GroupAggSpec{ID: "bench", Keys: []int{0}, InputUpdating: updating, Aggs: []AggSpec{
		{Kind: AggCountStar, Arg: -1, Filter: -1, Name: "c", Type: arrow.PrimitiveTypes.Int64},
		{Kind: AggSum, Arg: 1, Filter: -1, Name: "s", Type: arrow.PrimitiveTypes.Int64},
		{Kind: AggMax, Arg: 1, Filter: -1, Name: "m", Type: arrow.PrimitiveTypes.Int64},
	}}
	rowsIn, rowsOut := 0, 0
	for _, m := range msgs {
		rowsIn += int(m.Batch.NumRows())
	}
	count := EmitFunc(func(m Message) error {
		if m.Kind == KindBatch {
			rowsOut += int(m.Batch.NumRows())
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := gaProcessCPU()
	n := 0
	for b.Loop() {
		op, err := NewGroupAggregate(schema, spec, mem)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if err := op.Process(m, count); err != nil {
				b.Fatal(err)
			}
		}
		if err := op.Process(EndMessage(), count); err != nil {
			b.Fatal(err)
		}
		op.Close()
		n += rowsIn
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	// Rows per second of CPU time of the whole process (GC included): unlike rows/s it does
	// not drop when other processes take the machine's cores.
	b.ReportMetric(float64(n)/(gaProcessCPU()-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(rowsOut)/float64(n), "out/in")
}

// BenchmarkGroupAggregate10KKeys is SELECT k, COUNT(*), SUM(v), MAX(v) ... GROUP BY k over
// an append-only input of 1M rows with 10,000 BIGINT keys, in 1024-row batches. Nearly every
// key of a batch updates: the output is about two rows (-U, +U) per input row.
func BenchmarkGroupAggregate10KKeys(b *testing.B) { benchGroupAggregate(b, false, false) }

// BenchmarkGroupAggregate10KStringKeys is the same over STRING keys (byte-encoded key map).
func BenchmarkGroupAggregate10KStringKeys(b *testing.B) { benchGroupAggregate(b, true, false) }

// BenchmarkGroupAggregateUpdating10KKeys is the same over an updating input: -U/+U pairs, so
// COUNT and SUM subtract and MAX keeps a multiset of values per key.
func BenchmarkGroupAggregateUpdating10KKeys(b *testing.B) { benchGroupAggregate(b, false, true) }

// gaProcessCPU is the user and system CPU time the process has used.
func gaProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
