package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 8192

func benchBatch(b *testing.B) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	defer ib.Release()
	defer fb.Release()
	for i := 0; i < benchRows; i++ {
		v := int64((i * 7919) % 20000)
		ib.Append(v)
		fb.Append(float64(v) * 1.5)
	}
	ia, fa := ib.NewArray(), fb.NewArray()
	return batchOf(ia, fa)
}

func runBench(b *testing.B, e Expr) {
	batch := benchBatch(b)
	defer batch.Release()
	ev, err := Compile(e, memory.NewGoAllocator())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := ev.Eval(batch)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkFilterGreaterLiteral(b *testing.B) {
	b.Run("int64", func(b *testing.B) { runBench(b, mustCall(b, ">", col(0, BigInt), lit(9000))) })
	b.Run("float64", func(b *testing.B) { runBench(b, mustCall(b, ">", col(1, Double), lit(9000.0))) })
	b.Run("int64/select", func(b *testing.B) {
		batch := benchBatch(b)
		defer batch.Release()
		ev, _ := Compile(mustCall(b, ">", col(0, BigInt), lit(9000)), memory.NewGoAllocator())
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := Select(ev, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("int64/filter", func(b *testing.B) {
		batch := benchBatch(b)
		defer batch.Release()
		mem := memory.NewGoAllocator()
		ev, _ := Compile(mustCall(b, ">", col(0, BigInt), lit(9000)), mem)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out, err := Filter(mem, ev, batch)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
		b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("and", func(b *testing.B) {
		runBench(b, mustCall(b, "and", mustCall(b, ">", col(0, BigInt), lit(9000)), mustCall(b, "<", col(1, Double), lit(25000.0))))
	})
}

func BenchmarkArithmetic(b *testing.B) {
	b.Run("int64+int64", func(b *testing.B) { runBench(b, mustCall(b, "+", col(0, BigInt), col(0, BigInt))) })
	b.Run("int64*lit", func(b *testing.B) { runBench(b, mustCall(b, "*", col(0, BigInt), lit(3))) })
	b.Run("float64*lit", func(b *testing.B) { runBench(b, mustCall(b, "*", col(1, Double), lit(0.908))) })
	b.Run("int64+float64", func(b *testing.B) { runBench(b, mustCall(b, "+", col(0, BigInt), col(1, Double))) })
	b.Run("int64/int64", func(b *testing.B) { runBench(b, mustCall(b, "/", col(0, BigInt), col(0, BigInt))) })
}
