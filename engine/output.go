package engine

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
)

// materialized applies a changelog to a multiset of rows, kept in order of first insertion,
// for printing an updating result as the table it describes.
type materialized struct {
	index map[string]int // row text -> position in order
	order [][]string     // cells of each distinct row
	count []int
	key   []byte
}

func newMaterialized() *materialized { return &materialized{index: map[string]int{}} }

func (v *materialized) apply(b arrow.RecordBatch, kinds []exec.RowKind) {
	cols := int(b.NumCols())
	for r := 0; r < int(b.NumRows()); r++ {
		cells := make([]string, cols)
		v.key = v.key[:0]
		for c := 0; c < cols; c++ {
			if b.Column(c).IsNull(r) {
				cells[c] = "<NULL>"
				v.key = append(v.key, 0)
			} else {
				cells[c] = format.TextValue(b.Column(c), r)
				v.key = append(v.key, 1)
			}
			v.key = append(v.key, cells[c]...)
			v.key = append(v.key, 0xff)
		}
		i, ok := v.index[string(v.key)]
		if !ok {
			i = len(v.order)
			v.index[string(v.key)] = i
			v.order = append(v.order, cells)
			v.count = append(v.count, 0)
		}
		if kinds != nil && kinds[r].IsRetract() {
			if v.count[i] > 0 {
				v.count[i]--
			}
		} else {
			v.count[i]++
		}
	}
}

// rows lists the rows present, each as often as it is present, sorted column by column
// (numbers by value, NULL first), so that the table does not depend on the order the
// changelog arrived in.
func (v *materialized) rows() [][]string {
	var out [][]string
	for i, cells := range v.order {
		for k := 0; k < v.count[i]; k++ {
			out = append(out, cells)
		}
	}
	SortRows(out)
	return out
}

// SortRows sorts printed rows (cells as the table format prints them) column by column:
// NULL first, numbers by value, text as text; equal rows keep their order.
func SortRows(rows [][]string) {
	sort.SliceStable(rows, func(i, j int) bool {
		for c := range rows[i] {
			if d := compareCells(rows[i][c], rows[j][c]); d != 0 {
				return d < 0
			}
		}
		return false
	})
}

// compareCells orders two printed values: NULL first, numbers by value, text as text.
func compareCells(a, b string) int {
	if a == b {
		return 0
	}
	if a == "<NULL>" {
		return -1
	}
	if b == "<NULL>" {
		return 1
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil && fa != fb {
		if fa < fb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// Format is how a query's rows are printed.
type Format string

const (
	FormatJSON      Format = "json"
	FormatCSV       Format = "csv"
	FormatTable     Format = "table"
	FormatChangelog Format = "changelog"
	// FormatNone counts rows and prints nothing: a blackhole, for benchmarks.
	FormatNone Format = "none"
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatJSON, FormatCSV, FormatTable, FormatChangelog, FormatNone:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q; formats: json, csv, table, changelog, none", s)
}

// resultWriter prints the batches of one query to w in a format. Writes are buffered;
// Flush pushes them out (after each batch, so that live results appear).
type resultWriter struct {
	w      *bufio.Writer
	format Format
	schema *arrow.Schema
	json   *format.JSONEncoder
	csv    *format.CSVEncoder
	widths []int
	headed bool
	buf    []byte
	rows   int64
	// updating: the result is a changelog. json and csv print each row's kind first; table
	// prints the materialized result at the end.
	updating bool
	view     *materialized
}

func newResultWriter(w io.Writer, f Format, schema *arrow.Schema, updating bool) *resultWriter {
	rw := &resultWriter{w: bufio.NewWriterSize(w, 256<<10), format: f, schema: schema, updating: updating}
	if updating && f == FormatTable {
		rw.view = newMaterialized()
	}
	switch f {
	case FormatJSON:
		rw.json = format.NewJSONEncoder(schema)
	case FormatCSV:
		rw.csv = format.NewCSVEncoder(format.CSVOptions{FieldDelimiter: ',', QuoteCharacter: '"'})
	case FormatTable:
		rw.widths = make([]int, schema.NumFields())
		for i, f := range schema.Fields() {
			rw.widths[i] = max(utf8.RuneCountInString(f.Name), typeWidth(f.Type))
		}
	}
	return rw
}

// header writes the table's header once, before its first row (or at Close of an empty result).
func (rw *resultWriter) header() {
	if rw.format != FormatTable || rw.headed {
		return
	}
	rw.headed = true
	rw.rule()
	rw.line(rw.schema.Field, nil)
	rw.rule()
}

// maxTableWidth caps the width a materialized table gives a column for its values.
const maxTableWidth = 60

// TypeWidth is the display width of a column of type t, as Flink's tableau mode fixes it
// per type (12 for text and other types).
func TypeWidth(t arrow.DataType) int { return typeWidth(t) }

// typeWidth is the display width of a column, as Flink's tableau mode fixes it per type.
func typeWidth(t arrow.DataType) int {
	switch t.ID() {
	case arrow.TIMESTAMP:
		return 23
	case arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return 20
	case arrow.INT32, arrow.FLOAT32:
		return 11
	case arrow.BOOL:
		return 5
	case arrow.DATE32:
		return 10
	}
	return 12
}

func (rw *resultWriter) rule() {
	rw.buf = append(rw.buf[:0], '+')
	for _, w := range rw.widths {
		rw.buf = append(rw.buf, strings.Repeat("-", w+2)...)
		rw.buf = append(rw.buf, '+')
	}
	rw.buf = append(rw.buf, '\n')
	rw.w.Write(rw.buf)
}

func (rw *resultWriter) line(header func(int) arrow.Field, cell func(int) string) {
	rw.buf = append(rw.buf[:0], '|')
	for i, w := range rw.widths {
		var s string
		if cell == nil {
			s = header(i).Name
		} else {
			s = cell(i)
		}
		if n := utf8.RuneCountInString(s); n > w {
			r := []rune(s)
			s = string(r[:w-3]) + "..."
		}
		pad := w - utf8.RuneCountInString(s)
		rw.buf = append(rw.buf, ' ')
		if isNumeric(rw.schema.Field(i).Type) && cell != nil {
			rw.buf = append(rw.buf, strings.Repeat(" ", pad)...)
			rw.buf = append(rw.buf, s...)
		} else {
			rw.buf = append(rw.buf, s...)
			rw.buf = append(rw.buf, strings.Repeat(" ", pad)...)
		}
		rw.buf = append(rw.buf, " |"...)
	}
	rw.buf = append(rw.buf, '\n')
	rw.w.Write(rw.buf)
}

// IsNumeric reports whether values of type t print right-aligned, as numbers.
func IsNumeric(t arrow.DataType) bool { return isNumeric(t) }

func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

// Write prints every row of b; kinds (nil: all inserts) are the rows' changelog kinds.
func (rw *resultWriter) Write(b arrow.RecordBatch, kinds []exec.RowKind) error {
	if rw.view != nil {
		rw.view.apply(b, kinds)
		return nil
	}
	if rw.format == FormatNone {
		rw.rows += b.NumRows()
		return nil
	}
	rw.header()
	n := int(b.NumRows())
	kind := func(r int) exec.RowKind {
		if kinds == nil {
			return exec.Insert
		}
		return kinds[r]
	}
	for r := 0; r < n; r++ {
		switch rw.format {
		case FormatJSON:
			if rw.updating {
				rw.buf = rw.json.AppendRowWithOp(rw.buf[:0], kind(r).String(), b, r)
			} else {
				rw.buf = rw.json.AppendRow(rw.buf[:0], b, r)
			}
			rw.buf = append(rw.buf, '\n')
		case FormatCSV:
			rw.buf = rw.buf[:0]
			if rw.updating {
				rw.buf = append(append(rw.buf, kind(r).String()...), ',')
			}
			rw.buf = rw.csv.AppendRow(rw.buf, b, r)
			rw.buf = append(rw.buf, '\n')
		case FormatChangelog:
			rw.buf = append(append(rw.buf[:0], kind(r).String()...), '[')
			for c := 0; c < int(b.NumCols()); c++ {
				if c > 0 {
					rw.buf = append(rw.buf, ", "...)
				}
				rw.buf = format.AppendText(rw.buf, b.Column(c), r)
			}
			rw.buf = append(rw.buf, "]\n"...)
		case FormatTable:
			rw.line(nil, func(c int) string { return format.TextValue(b.Column(c), r) })
			continue
		}
		if _, err := rw.w.Write(rw.buf); err != nil {
			return err
		}
	}
	rw.rows += int64(n)
	return nil
}

// Flush writes out buffered rows.
func (rw *resultWriter) Flush() error { return rw.w.Flush() }

// Close ends the output (the table's closing rule and row count) and flushes.
func (rw *resultWriter) Close() error {
	if rw.view != nil && rw.format == FormatTable {
		rows := rw.view.rows()
		// The whole table is known: size the columns to their values (up to a limit).
		for _, row := range rows {
			for i, c := range row {
				rw.widths[i] = max(rw.widths[i], min(utf8.RuneCountInString(c), maxTableWidth))
			}
		}
		rw.header()
		for _, row := range rows {
			rw.line(nil, func(c int) string { return row[c] })
			rw.rows++
		}
	}
	if rw.format == FormatTable {
		rw.header()
		rw.rule()
		fmt.Fprintf(rw.w, "%d row(s) in result\n", rw.rows)
	}
	return rw.w.Flush()
}
