package format

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// JSONOptions are the `json.*` options of a table.
type JSONOptions struct {
	// IgnoreParseErrors makes a value of the wrong type NULL instead of failing the
	// record (Flink's 'json.ignore-parse-errors'). Records that are not valid JSON still fail.
	IgnoreParseErrors bool
	// FailOnMissingField fails a record that lacks a column (Flink's
	// 'json.fail-on-missing-field'); otherwise the column is NULL.
	FailOnMissingField bool
}

// JSONDecoder decodes JSON objects, one per record, into the columns of a schema with a
// hand-written single-pass scanner. Field names match columns case-insensitively (an exact
// match wins); fields that are not columns are validated and skipped; a missing field is
// NULL; when a field repeats, the last value wins.
//
// Accepted values per column type:
//   - TINYINT..BIGINT: a JSON integer, a number with a zero fraction (12.0), or a string
//     holding one; 12.5, "abc" and out-of-range values are errors.
//   - FLOAT, DOUBLE: a number, or a string holding one ("NaN" and "Infinity" too).
//   - BOOLEAN: true/false, or the strings "true"/"false" in any case.
//   - STRING: a string; a number or true/false gives its JSON text; an object or array
//     gives its raw JSON text.
//   - DECIMAL(p,s): a number or a string, converted exactly, extra digits rounded half up;
//     a value that does not fit p digits is an error.
//   - TIMESTAMP(p), TIMESTAMP_LTZ(p): epoch milliseconds (a number or a numeric string),
//     or 'yyyy-MM-dd HH:mm:ss[.fff]', or ISO-8601 with 'T' and optional 'Z' or offset.
//     Text without a zone is UTC; an offset is applied.
//   - DATE: 'yyyy-MM-dd', or days since the epoch as a number.
//
// null is NULL for every type.
type JSONDecoder struct {
	columnSet
	opts     JSONOptions
	exact    map[string]int
	lower    map[string]int
	keyCache []cachedKey
	stamp    uint64
	scratch  []byte
}

// cachedKey remembers which column the k-th key of the previous record named, so a stream
// of records with the same layout resolves each key with one comparison.
type cachedKey struct {
	name []byte
	col  int
}

var _ Decoder = (*JSONDecoder)(nil)

// NewJSONDecoder makes a decoder producing batches of schema. It fails for column types
// it cannot decode (see JSONDecoder).
func NewJSONDecoder(schema *arrow.Schema, mem memory.Allocator, opts JSONOptions) (*JSONDecoder, error) {
	cs, err := newColumnSet(schema, mem)
	if err != nil {
		return nil, err
	}
	d := &JSONDecoder{columnSet: cs, opts: opts, exact: map[string]int{}, lower: map[string]int{}}
	for i, f := range schema.Fields() {
		if _, dup := d.exact[f.Name]; !dup {
			d.exact[f.Name] = i
		}
		if _, dup := d.lower[strings.ToLower(f.Name)]; !dup {
			d.lower[strings.ToLower(f.Name)] = i
		}
	}
	return d, nil
}

// Append decodes one JSON object. See Decoder.
func (d *JSONDecoder) Append(rec []byte) error {
	d.stamp++
	if err := d.record(rec); err != nil {
		d.rollback()
		return err
	}
	for i := range d.cols {
		c := &d.cols[i]
		if c.seen != d.stamp {
			if d.opts.FailOnMissingField {
				d.rollback()
				return fmt.Errorf("field %q is missing", c.name)
			}
			c.appendNull()
		}
	}
	d.n++
	return nil
}

func (d *JSONDecoder) record(b []byte) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return syntaxErr(i, "expected '{'")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for k := 0; ; k++ {
			if i >= len(b) || b[i] != '"' {
				return syntaxErr(i, "expected a field name")
			}
			j := i + 1
			for j < len(b) && strPlain[b[j]] {
				j++
			}
			var key []byte
			if j < len(b) && b[j] == '"' {
				key, i = b[i+1:j], j+1
			} else {
				var err error
				d.scratch, i, err = appendString(d.scratch[:0], b, i)
				if err != nil {
					return err
				}
				key = d.scratch
			}
			col := d.lookup(key, k)
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return syntaxErr(i, "expected ':' after a field name")
			}
			i = skipWS(b, i+1)
			var err error
			if col < 0 {
				i, err = skipValue(b, i, 1)
			} else {
				c := &d.cols[col]
				if c.seen == d.stamp { // repeated field: the last value wins
					c.truncate(d.n)
				}
				c.seen = d.stamp
				i, err = d.value(c, b, i)
			}
			if err != nil {
				return err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return syntaxErr(i, "expected ',' or '}'")
		}
	}
	if i = skipWS(b, i); i != len(b) {
		return syntaxErr(i, "unexpected data after the object")
	}
	return nil
}

func (d *JSONDecoder) lookup(key []byte, k int) int {
	if k < len(d.keyCache) && string(d.keyCache[k].name) == string(key) {
		return d.keyCache[k].col
	}
	col, ok := d.exact[string(key)]
	if !ok {
		col, ok = d.lower[strings.ToLower(bytesString(key))]
		if !ok {
			col = -1
		}
	}
	if k < 256 {
		for len(d.keyCache) <= k {
			d.keyCache = append(d.keyCache, cachedKey{col: -2})
		}
		d.keyCache[k].name = append(d.keyCache[k].name[:0], key...)
		d.keyCache[k].col = col
	}
	return col
}

// value decodes the JSON value at b[i] into c, as one more value of c, and returns the
// index after it.
func (d *JSONDecoder) value(c *column, b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, syntaxErr(i, "expected a value")
	}
	ch := b[i]
	if ch == 'n' {
		j, err := literal(b, i, "null")
		if err == nil {
			c.appendNull()
		}
		return j, err
	}
	if ch == '"' {
		if c.kind == kString {
			var err error
			c.data, i, err = appendString(c.data, b, i)
			if err != nil {
				return i, err
			}
			c.endString()
			return i, nil
		}
		// Text of another type: find the content, unescaping only when needed.
		j := i + 1
		for j < len(b) && strPlain[b[j]] {
			j++
		}
		var content []byte
		end := j + 1
		if j < len(b) && b[j] == '"' {
			content = b[i+1 : j]
		} else {
			var err error
			d.scratch, end, err = appendString(d.scratch[:0], b, i)
			if err != nil {
				return end, err
			}
			content = d.scratch
		}
		if c.kind == kTimestamp {
			if secs, nanos, ok := c.dates.parseDateTime(content); ok {
				c.appendInt(secs*c.tsPerSec + nanos/(1_000_000_000/c.tsPerSec))
				return end, nil
			}
		}
		if err := c.appendText(content); err != nil {
			return end, d.badValue(c, b[i:end])
		}
		return end, nil
	}
	if ch == '-' || ch >= '0' && ch <= '9' {
		return d.number(c, b, i)
	}
	if ch == 't' || ch == 'f' {
		lit := "false"
		if ch == 't' {
			lit = "true"
		}
		j, err := literal(b, i, lit)
		if err != nil {
			return j, err
		}
		switch c.kind {
		case kBool:
			c.appendInt(b2i(ch == 't'))
		case kString:
			c.data = append(c.data, lit...)
			c.endString()
		default:
			return j, d.badValue(c, b[i:j])
		}
		return j, nil
	}
	if ch == '{' || ch == '[' {
		if c.kind >= kList {
			return d.container(c, b, i)
		}
		j, err := skipValue(b, i, 1)
		if err != nil {
			return j, err
		}
		if c.kind != kString {
			return j, d.badValue(c, b[i:j])
		}
		c.data = append(c.data, b[i:j]...)
		c.endString()
		return j, nil
	}
	return i, syntaxErr(i, "expected a value")
}

func b2i(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// badValue reports a value of the wrong type, or makes it NULL under IgnoreParseErrors.
func (d *JSONDecoder) badValue(c *column, raw []byte) error {
	if d.opts.IgnoreParseErrors {
		c.truncate(len(c.valid)) // drops a partly decoded nested value
		c.appendNull()
		return nil
	}
	return valueError(c, string(raw))
}

// number decodes the JSON number at b[i]. The fast path handles integers and plain
// decimals of at most 18 digits for numeric and timestamp columns; everything else goes
// through scanNumber.
func (d *JSONDecoder) number(c *column, b []byte, i int) (int, error) {
	j, neg := i, b[i] == '-'
	if neg {
		j++
	}
	ds := j
	var m uint64
	for j < len(b) {
		dg := b[j] - '0'
		if dg > 9 {
			break
		}
		m = m*10 + uint64(dg)
		j++
	}
	nd := j - ds
	if nd == 0 || nd > 18 || b[ds] == '0' && nd > 1 {
		return d.numberSlow(c, b, i)
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		if b[j] != '.' || c.kind != kFloat64 && c.kind != kFloat32 {
			return d.numberSlow(c, b, i)
		}
		j++
		fs := j
		for j < len(b) {
			dg := b[j] - '0'
			if dg > 9 {
				break
			}
			m = m*10 + uint64(dg)
			j++
		}
		if j == fs || nd+j-fs > 15 || j < len(b) && (b[j] == 'e' || b[j] == 'E') {
			return d.numberSlow(c, b, i)
		}
		f := float64(m) / pow10[j-fs] // exact: m < 2^53 and 10^k <= 10^22 (Clinger)
		if neg {
			f = -f
		}
		c.appendFloat(f)
		return j, nil
	}
	v := int64(m)
	if neg {
		v = -v
	}
	switch c.kind {
	case kInt:
		if v < c.minI || v > c.maxI {
			return j, d.badValue(c, b[i:j])
		}
		c.appendInt(v)
	case kTimestamp:
		c.appendInt(c.millisToUnits(v))
	case kFloat64, kFloat32:
		f := float64(m)
		if neg {
			f = -f // keeps -0
		}
		c.appendFloat(f)
	default:
		return d.numberSlow(c, b, i)
	}
	return j, nil
}

func (d *JSONDecoder) numberSlow(c *column, b []byte, i int) (int, error) {
	n, j, err := scanNumber(b, i)
	if err != nil {
		return j, err
	}
	switch c.kind {
	case kInt, kTimestamp, kDate32:
		var v int64
		ok := false
		if n.isInt && !n.big {
			v, ok = signed(n.mant, n.neg)
		} else {
			v, ok = parseIntegralFloat(b[i:j])
		}
		if !ok {
			return j, d.badValue(c, b[i:j])
		}
		switch c.kind {
		case kInt:
			if v < c.minI || v > c.maxI {
				return j, d.badValue(c, b[i:j])
			}
		case kTimestamp:
			v = c.millisToUnits(v)
		case kDate32:
			if v < math.MinInt32 || v > math.MaxInt32 {
				return j, d.badValue(c, b[i:j])
			}
		}
		c.appendInt(v)
	case kFloat64, kFloat32:
		f, ok := n.fastFloat()
		if !ok {
			var err error
			f, err = strconv.ParseFloat(bytesString(b[i:j]), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return j, d.badValue(c, b[i:j])
			}
		}
		c.appendFloat(f)
	case kString:
		c.data = append(c.data, b[i:j]...)
		c.endString()
	case kDecimal:
		v, ok := parseDecimal(b[i:j], c.prec, c.scale)
		if !ok {
			return j, d.badValue(c, b[i:j])
		}
		c.dec = append(c.dec, v)
		c.valid = append(c.valid, 1)
	default: // kBool
		return j, d.badValue(c, b[i:j])
	}
	return j, nil
}
