package format

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
