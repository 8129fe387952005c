package format

import (
	"bytes"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// CSVEncoder writes rows as RFC 4180 CSV records: values as TextValue writes them, NULL
// as NullLiteral (empty by default), and a field quoted when it holds the delimiter, the
// quote character, a line break, or is an empty string (so it differs from NULL).
type CSVEncoder struct {
	Delimiter   byte   // default ','
	Quote       byte   // default '"'
	NullLiteral string // default ""
	scratch     []byte
}

// NewCSVEncoder makes an encoder from the table's csv options (zero values mean defaults).
func NewCSVEncoder(opts CSVOptions) *CSVEncoder {
	e := &CSVEncoder{Delimiter: opts.FieldDelimiter, Quote: opts.QuoteCharacter, NullLiteral: opts.NullLiteral}
	if e.Delimiter == 0 {
		e.Delimiter = ','
	}
	if e.Quote == 0 {
		e.Quote = '"'
	}
	return e
}

// AppendRow appends row of b as one CSV record, without a line break.
func (e *CSVEncoder) AppendRow(dst []byte, b arrow.RecordBatch, row int) []byte {
	for c := 0; c < int(b.NumCols()); c++ {
		if c > 0 {
			dst = append(dst, e.Delimiter)
		}
		col := b.Column(c)
		if col.IsNull(row) {
			dst = append(dst, e.NullLiteral...)
			continue
		}
		var v []byte
		switch a := col.(type) {
		case *array.String:
			s := a.Value(row)
			if s == "" {
				dst = append(dst, e.Quote, e.Quote)
				continue
			}
			e.scratch = append(e.scratch[:0], s...)
		default:
			e.scratch = AppendText(e.scratch[:0], col, row)
		}
		v = e.scratch
		if bytes.IndexByte(v, e.Delimiter) < 0 && bytes.IndexByte(v, e.Quote) < 0 &&
			bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, '\r') < 0 {
			dst = append(dst, v...)
			continue
		}
		dst = append(dst, e.Quote)
		for _, ch := range v {
			if ch == e.Quote {
				dst = append(dst, ch)
			}
			dst = append(dst, ch)
		}
		dst = append(dst, e.Quote)
	}
	return dst
}
