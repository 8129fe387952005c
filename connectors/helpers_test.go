package connectors

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
)

func newMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

type badRecords struct {
	got  []BadRecord
	fail bool
}

func (b *badRecords) BadRecord(r BadRecord) error {
	b.got = append(b.got, r)
	if b.fail {
		return &badRecordError{r}
	}
	return nil
}

type badRecordError struct{ r BadRecord }

func (e *badRecordError) Error() string { return e.r.Position + ": " + e.r.Reason }

// collector records what a source emits: rows as text, batch sizes, and whether End came.
type collector struct {
	rows    []string
	batches []int
	ended   bool
}

func (c *collector) Emit(m exec.Message) error {
	switch m.Kind {
	case exec.KindBatch:
		c.batches = append(c.batches, int(m.Batch.NumRows()))
		for r := 0; r < int(m.Batch.NumRows()); r++ {
			var vals []string
			for i := 0; i < int(m.Batch.NumCols()); i++ {
				vals = append(vals, format.TextValue(m.Batch.Column(i), r))
			}
			c.rows = append(c.rows, strings.Join(vals, " | "))
		}
	case exec.KindEnd:
		c.ended = true
	}
	return nil
}

func runSource(t *testing.T, spec TableSpec) (*collector, error) {
	t.Helper()
	f, err := Lookup(spec.Options["connector"])
	require.NoError(t, err)
	require.NoError(t, f.CheckOptions(spec.Options))
	src, err := f.NewSource(spec)
	if err != nil {
		return nil, err
	}
	c := &collector{}
	return c, src.Run(context.Background(), c)
}

var bidSchema = arrow.NewSchema([]arrow.Field{
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)
