package format

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CSVOptions are the `csv.*` options of a table.
type CSVOptions struct {
	FieldDelimiter byte // 'csv.field-delimiter', default ','
	QuoteCharacter byte // 'csv.quote-character', default '"'
	// NullLiteral, when HasNullLiteral, is the unquoted text that means NULL
	// ('csv.null-literal').
	NullLiteral    string
	HasNullLiteral bool
	// IgnoreParseErrors makes a value of the wrong type NULL instead of failing the record
	// ('csv.ignore-parse-errors'). A wrong field count still fails.
	IgnoreParseErrors bool
	// Columns are the names of all the table's physical columns, in the order of the fields
	// of a record. The decoder's schema picks some of them by name (case-insensitive); nil
	// means the schema is the full list.
	Columns []string
}

// CSVDecoder decodes CSV records without header, one per Append, per RFC 4180: a field
// may be quoted, a quote inside a quoted field is doubled, and a quote in an unquoted
// field is an ordinary character. An unquoted empty field is NULL, except for STRING
// columns where it is the empty string (as in Flink); a quoted empty field is the empty
// string. Values are read as the JSON decoder reads the content of a JSON string.
type CSVDecoder struct {
	columnSet
	opts   CSVOptions
	target []int // per record field: output column, or -1
	field  []byte
}

var _ Decoder = (*CSVDecoder)(nil)

// NewCSVDecoder makes a decoder producing batches of schema from records whose fields
// are opts.Columns.
func NewCSVDecoder(schema *arrow.Schema, mem memory.Allocator, opts CSVOptions) (*CSVDecoder, error) {
	cs, err := newColumnSet(schema, mem)
	if err != nil {
		return nil, err
	}
	for _, c := range cs.cols {
		if c.kind >= kList {
			return nil, fmt.Errorf("column %q: type %s is not supported by the csv format; declare it STRING to keep its text, or use 'format' = 'json'", c.name, c.sql)
		}
	}
	if opts.FieldDelimiter == 0 {
		opts.FieldDelimiter = ','
	}
	if opts.QuoteCharacter == 0 {
		opts.QuoteCharacter = '"'
	}
	d := &CSVDecoder{columnSet: cs, opts: opts}
	if opts.Columns == nil {
		for i := range schema.Fields() {
			d.target = append(d.target, i)
		}
		return d, nil
	}
	d.target = make([]int, len(opts.Columns))
	found := make([]bool, schema.NumFields())
	for k, name := range opts.Columns {
		d.target[k] = -1
		for i, f := range schema.Fields() {
			if !found[i] && strings.EqualFold(f.Name, name) {
				d.target[k], found[i] = i, true
				break
			}
		}
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("column %q is not one of the table's columns %v", schema.Field(i).Name, opts.Columns)
		}
	}
	return d, nil
}

// Append decodes one CSV record (without its line break). See Decoder.
func (d *CSVDecoder) Append(rec []byte) error {
	if n := len(rec); n > 0 && rec[n-1] == '\r' {
		rec = rec[:n-1]
	}
	delim, quote := d.opts.FieldDelimiter, d.opts.QuoteCharacter
	k, i := 0, 0
	for {
		var val []byte
		quoted := false
		if i < len(rec) && rec[i] == quote {
			quoted = true
			d.field = d.field[:0]
			i++
			for {
				j := i
				for j < len(rec) && rec[j] != quote {
					j++
				}
				d.field = append(d.field, rec[i:j]...)
				if j >= len(rec) {
					d.rollback()
					return fmt.Errorf("field %d: unterminated quoted field", k+1)
				}
				if j+1 < len(rec) && rec[j+1] == quote {
					d.field = append(d.field, quote)
					i = j + 2
					continue
				}
				i = j + 1
				break
			}
			if i < len(rec) && rec[i] != delim {
				d.rollback()
				return fmt.Errorf("field %d: unexpected character %q after a quoted field", k+1, rec[i])
			}
			val = d.field
		} else {
			j := i
			for j < len(rec) && rec[j] != delim {
				j++
			}
			val, i = rec[i:j], j
		}
		if k < len(d.target) && d.target[k] >= 0 {
			if err := d.set(&d.cols[d.target[k]], val, quoted); err != nil {
				d.rollback()
				return err
			}
		}
		k++
		if i >= len(rec) {
			break
		}
		i++ // the delimiter
	}
	if k != len(d.target) {
		d.rollback()
		return fmt.Errorf("wrong number of fields: expected %d, got %d", len(d.target), k)
	}
	d.n++
	return nil
}

func (d *CSVDecoder) set(c *column, val []byte, quoted bool) error {
	if !quoted {
		if d.opts.HasNullLiteral && string(val) == d.opts.NullLiteral || len(val) == 0 && c.kind != kString {
			c.appendNull()
			return nil
		}
	}
	if err := c.appendText(val); err != nil {
		if d.opts.IgnoreParseErrors {
			c.appendNull()
			return nil
		}
		return valueError(c, fmt.Sprintf("%q", val))
	}
	return nil
}
