package connectors

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec"
)

// BenchmarkFilesystemSourceJSON reads 1M bid lines from a file through the filesystem
// source (read, split, decode, emit) into nothing.
func BenchmarkFilesystemSourceJSON(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bids.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	const rows = 1_000_000
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "bidder", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	}, nil)
	for i := 0; i < rows; i++ {
		fmt.Fprintf(f, `{"auction":%d,"bidder":%d,"price":%d.5,"ts":"2026-11-01 00:%02d:%02d.%03d"}`+"\n", 1000+i%10000, i%100000, i%100000, i/60000%60, i/1000%60, i%1000)
	}
	f.Close()
	spec := TableSpec{Name: "bid", Schema: schema, BatchSize: 8192, BadRecords: &badRecords{fail: true}, Mem: memory.NewGoAllocator(),
		Options: map[string]string{"connector": "filesystem", "path": path, "format": "json"}}
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		src, err := newFilesystemSource(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := src.Run(context.Background(), exec.EmitFunc(func(m exec.Message) error {
			if m.Kind == exec.KindBatch {
				total += int(m.Batch.NumRows())
			}
			return nil
		})); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}
