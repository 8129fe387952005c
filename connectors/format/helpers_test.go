package format

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func newMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// rowsText renders a batch as one line per row, values by TextValue joined with " | ".
func rowsText(b arrow.RecordBatch) []string {
	var out []string
	for r := 0; r < int(b.NumRows()); r++ {
		var vals []string
		for c := 0; c < int(b.NumCols()); c++ {
			vals = append(vals, TextValue(b.Column(c), r))
		}
		out = append(out, strings.Join(vals, " | "))
	}
	return out
}

// decodeLines appends each line to d (collecting the errors), flushes once, checks the
// decoder is empty afterwards, and renders the rows; d is released.
func decodeLines(t *testing.T, d Decoder, lines []string) ([]string, []error) {
	t.Helper()
	defer d.Release()
	var errs []error
	for _, l := range lines {
		errs = append(errs, d.Append([]byte(l)))
	}
	b := d.Flush()
	if b == nil {
		return nil, errs
	}
	defer b.Release()
	require.Equal(t, 0, d.Len())
	return rowsText(b), errs
}
