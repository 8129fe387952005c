package format

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Nested columns: ARRAY (arrow List), ROW (Struct) and MAP (Map), decoded from JSON arrays
// and objects. A nested column keeps its values in child columns with the same
// all-or-nothing discipline as the flat ones: a list or map row is an offset into its
// children, a struct row is one value in each field column, so truncating the parent
// truncates the children too.

// initNested sets up c, of type f.Type (List, Map or Struct), and its child columns.
func (c *column) initNested(f arrow.Field) error {
	unsupported := func(err error) error {
		return fmt.Errorf("column %q: type %s is not supported by this format (%v)", f.Name, c.sql, err)
	}
	child := func(name string, t arrow.DataType) (*column, error) {
		ch, err := newColumn(arrow.Field{Name: name, Type: t, Nullable: true})
		if err != nil {
			return nil, err
		}
		ch.child = true
		return &ch, nil
	}
	var err error
	switch t := f.Type.(type) {
	case *arrow.ListType:
		c.kind = kList
		if c.elem, err = child(f.Name, t.Elem()); err != nil {
			return unsupported(err)
		}
	case *arrow.MapType:
		c.kind = kMap
		if c.elem, err = child(f.Name, t.KeyType()); err != nil {
			return unsupported(err)
		}
		if c.elem.kind >= kList {
			return fmt.Errorf("column %q: type %s: a MAP key must be a scalar type", f.Name, c.sql)
		}
		if c.vals, err = child(f.Name, t.ItemType()); err != nil {
			return unsupported(err)
		}
	case *arrow.StructType:
		c.kind = kStruct
		c.fields = make([]column, t.NumFields())
		for k, sf := range t.Fields() {
			ch, err := child(sf.Name, sf.Type)
			if err != nil {
				return unsupported(err)
			}
			c.fields[k] = *ch
		}
	}
	return nil
}

// field is the index of the struct field named key: an exact match, else a
// case-insensitive one; -1 when there is none.
func (c *column) field(key []byte) int {
	for k := range c.fields {
		if c.fields[k].name == string(key) {
			return k
		}
	}
	for k := range c.fields {
		if strings.EqualFold(c.fields[k].name, bytesString(key)) {
			return k
		}
	}
	return -1
}

// buildNested returns the buffers and child data of a nested column's array; the caller
// releases the child data.
func (c *column) buildNested(mem memory.Allocator, validity *memory.Buffer) ([]*memory.Buffer, []arrow.ArrayData) {
	switch c.kind {
	case kList:
		elems := c.elem.build(mem)
		data := elems.Data()
		data.Retain()
		elems.Release()
		return []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.offs))}, []arrow.ArrayData{data}
	case kMap:
		keys, items := c.elem.build(mem), c.vals.build(mem)
		entries := arrayData(c.typ.(*arrow.MapType).Elem().(*arrow.StructType), keys.Len(), []*memory.Buffer{nil}, []arrow.ArrayData{keys.Data(), items.Data()})
		keys.Release()
		items.Release()
		return []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.offs))}, []arrow.ArrayData{entries}
	default: // kStruct
		children := make([]arrow.ArrayData, len(c.fields))
		for k := range c.fields {
			a := c.fields[k].build(mem)
			children[k] = a.Data()
			children[k].Retain()
			a.Release()
		}
		return []*memory.Buffer{validity}, children
	}
}

// container decodes the JSON array or object at b[i] into the nested column c. A value of
// the wrong shape, or an element that does not fit, is reported against the outermost
// column with the whole value: field "tags": expected ARRAY<BIGINT>, got [1,"x"].
func (d *JSONDecoder) container(c *column, b []byte, i int) (int, error) {
	var j int
	var err error
	switch {
	case c.kind == kList && b[i] == '[':
		j, err = d.list(c, b, i)
	case c.kind == kStruct && b[i] == '{':
		j, err = d.object(c, b, i)
	case c.kind == kMap && b[i] == '{':
		j, err = d.mapObject(c, b, i)
	default:
		return d.badContainer(c, b, i)
	}
	if err != nil && !c.child {
		var se *SyntaxError
		if !errors.As(err, &se) {
			k, serr := skipValue(b, i, 1)
			if serr != nil {
				return k, serr
			}
			return k, valueError(c, string(b[i:k]))
		}
	}
	return j, err
}

// badContainer skips the value at b[i] and reports it as not of c's type (or makes it
// NULL under IgnoreParseErrors, dropping what c holds of it).
func (d *JSONDecoder) badContainer(c *column, b []byte, i int) (int, error) {
	j, err := skipValue(b, i, 1)
	if err != nil {
		return j, err
	}
	return j, d.badValue(c, b[i:j])
}

// list decodes the JSON array at b[i] as one value of the ARRAY column c.
func (d *JSONDecoder) list(c *column, b []byte, i int) (int, error) {
	e := c.elem
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for {
			var err error
			if i, err = d.value(e, b, i); err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			return i, syntaxErr(i, "expected ',' or ']'")
		}
	}
	c.offs = append(c.offs, int32(len(e.valid)))
	c.valid = append(c.valid, 1)
	return i, nil
}

// key reads the object key at b[i] (a quote) and returns its unescaped bytes, which
// alias b or d.scratch, and the index after it.
func (d *JSONDecoder) key(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, syntaxErr(i, "expected a field name")
	}
	j := i + 1
	for j < len(b) && strPlain[b[j]] {
		j++
	}
	if j < len(b) && b[j] == '"' {
		return b[i+1 : j], j + 1, nil
	}
	var err error
	d.scratch, i, err = appendString(d.scratch[:0], b, i)
	return d.scratch, i, err
}

// colon skips the ':' after an object key and the spaces around it.
func colon(b []byte, i int) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, syntaxErr(i, "expected ':' after a field name")
	}
	return skipWS(b, i+1), nil
}

// object decodes the JSON object at b[i] as one value of the ROW column c: keys name
// fields as columns do (exact match first, then case-insensitive), unknown keys are
// skipped, a missing field is NULL and a repeated one keeps its last value.
func (d *JSONDecoder) object(c *column, b []byte, i int) (int, error) {
	row := len(c.valid)
	c.vstamp++
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			key, j, err := d.key(b, i)
			if err != nil {
				return j, err
			}
			f := c.field(key)
			if i, err = colon(b, j); err != nil {
				return i, err
			}
			if f < 0 {
				i, err = skipValue(b, i, 1)
			} else {
				fc := &c.fields[f]
				if fc.seen == c.vstamp {
					fc.truncate(row)
				}
				fc.seen = c.vstamp
				i, err = d.value(fc, b, i)
			}
			if err != nil {
				return i, err
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
			return i, syntaxErr(i, "expected ',' or '}'")
		}
	}
	for k := range c.fields {
		if c.fields[k].seen != c.vstamp {
			c.fields[k].appendNull()
		}
	}
	c.valid = append(c.valid, 1)
	return i, nil
}

// mapObject decodes the JSON object at b[i] as one value of the MAP column c: each key,
// read as text of the key type, and its value become one entry, in order (a repeated key
// gives two entries; lookups take the last).
func (d *JSONDecoder) mapObject(c *column, b []byte, i int) (int, error) {
	start := i
	kc, vc := c.elem, c.vals
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			var err error
			if kc.kind == kString {
				if i >= len(b) || b[i] != '"' {
					return i, syntaxErr(i, "expected a field name")
				}
				if kc.data, i, err = appendString(kc.data, b, i); err != nil {
					return i, err
				}
				kc.endString()
			} else {
				key, j, err := d.key(b, i)
				if err != nil {
					return j, err
				}
				if kc.appendText(key) != nil {
					if !d.opts.IgnoreParseErrors {
						return j, valueError(kc, string(appendJSONString(nil, string(key))))
					}
					return d.badContainer(c, b, start) // the map is NULL: a key cannot be
				}
				i = j
			}
			if i, err = colon(b, i); err != nil {
				return i, err
			}
			if i, err = d.value(vc, b, i); err != nil {
				return i, err
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
			return i, syntaxErr(i, "expected ',' or '}'")
		}
	}
	c.offs = append(c.offs, int32(len(kc.valid)))
	c.valid = append(c.valid, 1)
	return i, nil
}

// arrayData is array.NewData with no nulls.
func arrayData(t arrow.DataType, n int, bufs []*memory.Buffer, children []arrow.ArrayData) arrow.ArrayData {
	return array.NewData(t, n, bufs, children, 0, 0)
}
