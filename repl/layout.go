package repl

import (
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/engine"
)

// maxCellWidth caps the width a column grows to for its values; longer text ends in "...".
const maxCellWidth = 40

// layout is the columns of a printed table: their names, widths and alignment (numbers
// to the right, as in eddy run --format table and Flink's client).
type layout struct {
	names   []string
	numeric []bool
	widths  []int
	buf     []byte
}

// newLayout lays out schema's columns, after an "op" column when withOp. Columns start as
// wide as their names; fixed ones also as wide as their types need (Flink's tableau
// widths), so that rows printed as they come line up without knowing the rows to come.
func newLayout(schema *arrow.Schema, withOp, fixed bool) *layout {
	l := &layout{}
	if withOp {
		l.names, l.numeric, l.widths = append(l.names, "op"), append(l.numeric, false), append(l.widths, 2)
	}
	for _, f := range schema.Fields() {
		l.names = append(l.names, f.Name)
		l.numeric = append(l.numeric, engine.IsNumeric(f.Type))
		w := utf8.RuneCountInString(f.Name)
		if fixed {
			w = max(w, engine.TypeWidth(f.Type))
		}
		l.widths = append(l.widths, min(w, maxCellWidth))
	}
	return l
}

// newNamedLayout lays out columns of text.
func newNamedLayout(names ...string) *layout {
	l := &layout{names: names, numeric: make([]bool, len(names)), widths: make([]int, len(names))}
	for i, n := range names {
		l.widths[i] = utf8.RuneCountInString(n)
	}
	return l
}

// fit widens the columns to the cells (up to maxCellWidth).
func (l *layout) fit(cells []string) {
	for i, c := range cells {
		if i < len(l.widths) {
			l.widths[i] = max(l.widths[i], min(utf8.RuneCountInString(c), maxCellWidth))
		}
	}
}

// rule is "+------+-----+".
func (l *layout) rule() string {
	b := l.buf[:0]
	b = append(b, '+')
	for _, w := range l.widths {
		for k := 0; k < w+2; k++ {
			b = append(b, '-')
		}
		b = append(b, '+')
	}
	l.buf = b
	return string(b)
}

// header is "| name | n |".
func (l *layout) header() string { return l.row(l.names, true) }

// line is one row of cells.
func (l *layout) line(cells []string) string { return l.row(cells, false) }

func (l *layout) row(cells []string, header bool) string {
	b := l.buf[:0]
	b = append(b, '|')
	for i, w := range l.widths {
		s := ""
		if i < len(cells) {
			s = cells[i]
		}
		n := utf8.RuneCountInString(s)
		if n > w {
			s = truncateRunes(s, max(w-3, 0)) + "..."
			n = utf8.RuneCountInString(s)
		}
		b = append(b, ' ')
		pad := w - n
		if l.numeric[i] && !header {
			b = appendSpaces(b, pad)
			b = append(b, s...)
		} else {
			b = append(b, s...)
			b = appendSpaces(b, pad)
		}
		b = append(b, " |"...)
	}
	l.buf = b
	return string(b)
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// clip cuts a line to the terminal's width, so that it never wraps (a wrapped line would
// make the redraw lose count of the lines on the screen).
func clip(s string, width int) string {
	if width <= 0 {
		return s
	}
	return truncateRunes(s, width-1)
}
