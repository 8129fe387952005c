package repl

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors/format"
)

// nullText is how a NULL cell is shown, as in eddy run --format table and Flink's client.
const nullText = "<NULL>"

// rowText is one result row as text: the cells joined into one string, so that a row costs
// one allocation and equal rows have equal strings (the key of the materialized table).
// Each cell is a marker byte (0 NULL, 1 value), its text, then cellEnd.
type rowText string

const cellEnd = 0xff

// appendRowKey appends the text of row r of b to dst in the rowText layout.
func appendRowKey(dst []byte, b arrow.RecordBatch, r int) []byte {
	for c := 0; c < int(b.NumCols()); c++ {
		col := b.Column(c)
		if col.IsNull(r) {
			dst = append(dst, 0)
		} else {
			dst = append(dst, 1)
			dst = format.AppendText(dst, col, r)
		}
		dst = append(dst, cellEnd)
	}
	return dst
}

// appendCells appends the display text of the row's cells to dst.
func (t rowText) appendCells(dst []string) []string {
	s := string(t)
	for len(s) > 0 {
		end := 1
		for end < len(s) && s[end] != cellEnd {
			end++
		}
		if s[0] == 0 {
			dst = append(dst, nullText)
		} else {
			dst = append(dst, s[1:end])
		}
		if end >= len(s) {
			break
		}
		s = s[end+1:]
	}
	return dst
}
