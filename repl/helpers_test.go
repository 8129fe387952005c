package repl

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec"
)

// kvSchema is the schema of the test results: a string key and a count.
var kvSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// kv is one changelog row of a test.
type kv struct {
	kind exec.RowKind
	k    string // "" is NULL
	n    int64
}

// kvBatch builds a batch of rows; the caller releases it.
func kvBatch(mem memory.Allocator, rows ...kv) (arrow.RecordBatch, []exec.RowKind) {
	b := array.NewRecordBuilder(mem, kvSchema)
	defer b.Release()
	kinds := make([]exec.RowKind, len(rows))
	for i, r := range rows {
		if r.k == "" {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(r.k)
		}
		b.Field(1).(*array.Int64Builder).Append(r.n)
		kinds[i] = r.kind
	}
	return b.NewRecordBatch(), kinds
}

// checkedMem is an allocator that the test checks for leaks at its end.
func checkedMem(t testing.TB) memory.Allocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		if n := mem.CurrentAlloc(); n != 0 {
			t.Errorf("%d bytes of Arrow memory not released", n)
		}
	})
	return mem
}
