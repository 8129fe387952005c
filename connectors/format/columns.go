package format

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// colKind is the logical type a column buffer decodes into.
type colKind uint8

const (
	kInt colKind = iota // Int8..Int64, range-checked
	kFloat64
	kFloat32
	kBool
	kString
	kDecimal
	kTimestamp
	kDate32
	// Nested kinds (JSON only) come last: kind >= kList tells a container column.
	kList   // offs (len rows+1) into elem
	kStruct // one child per field in fields, each with one value per row
	kMap    // offs (len rows+1) into elem (keys) and vals
)

// column accumulates the values of one output column in plain Go slices; Arrow arrays
// are built from them on Flush. Every column holds exactly as many values as the decoder
// has rows (a NULL stores a zero value and a 0 in valid), so rolling back a row is a
// truncation.
type column struct {
	name  string // as in the schema, for error messages
	typ   arrow.DataType
	kind  colKind
	sql   string // SQL type name for error messages
	i64   []int64
	f64   []float64
	dec   []decimal128.Num
	offs  []int32 // string offsets; len = rows+1
	data  []byte  // string bytes
	valid []byte  // 1 per row
	nulls int

	minI, maxI  int64  // kInt range
	prec, scale int32  // kDecimal
	tsPerSec    int64  // kTimestamp: units per second (1, 1e3, 1e6, 1e9)
	seen        uint64 // decoder row stamp of the last value set in the current row
	dates       dateCache

	// Nested columns (see nested.go).
	child  bool     // an element, field, key or value of another column
	elem   *column  // kList: the elements; kMap: the keys
	vals   *column  // kMap: the values
	fields []column // kStruct: one column per field
	vstamp uint64   // kStruct: stamp of the current object; a field's seen equals it once set
}

func newColumn(f arrow.Field) (column, error) {
	c := column{name: f.Name, typ: f.Type, sql: expr.TypeName(f.Type), offs: []int32{0}, tsPerSec: 1000}
	switch t := f.Type.(type) {
	case *arrow.Int8Type:
		c.kind, c.minI, c.maxI = kInt, -1<<7, 1<<7-1
	case *arrow.Int16Type:
		c.kind, c.minI, c.maxI = kInt, -1<<15, 1<<15-1
	case *arrow.Int32Type:
		c.kind, c.minI, c.maxI = kInt, -1<<31, 1<<31-1
	case *arrow.Int64Type:
		c.kind, c.minI, c.maxI = kInt, -1<<63, 1<<63-1
	case *arrow.Float64Type:
		c.kind = kFloat64
	case *arrow.Float32Type:
		c.kind = kFloat32
	case *arrow.BooleanType:
		c.kind = kBool
	case *arrow.StringType:
		c.kind = kString
	case *arrow.Decimal128Type:
		c.kind, c.prec, c.scale = kDecimal, t.Precision, t.Scale
	case *arrow.TimestampType:
		c.kind = kTimestamp
		c.tsPerSec = unitsPerSecond(t.Unit)
	case *arrow.Date32Type:
		c.kind = kDate32
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		if err := c.initNested(f); err != nil {
			return c, err
		}
	default:
		return c, fmt.Errorf("column %q: type %s is not supported by this format", f.Name, c.sql)
	}
	return c, nil
}

func (c *column) appendNull() {
	switch c.kind {
	case kFloat64, kFloat32:
		c.f64 = append(c.f64, 0)
	case kString:
		c.offs = append(c.offs, int32(len(c.data)))
	case kDecimal:
		c.dec = append(c.dec, decimal128.Num{})
	case kList, kMap:
		c.offs = append(c.offs, c.offs[len(c.offs)-1])
	case kStruct:
		for i := range c.fields {
			c.fields[i].appendNull()
		}
	default:
		c.i64 = append(c.i64, 0)
	}
	c.valid = append(c.valid, 0)
	c.nulls++
}

func (c *column) appendInt(v int64) {
	c.i64 = append(c.i64, v)
	c.valid = append(c.valid, 1)
}

func (c *column) appendFloat(v float64) {
	c.f64 = append(c.f64, v)
	c.valid = append(c.valid, 1)
}

// endString closes a string value whose bytes were appended to c.data.
func (c *column) endString() {
	c.offs = append(c.offs, int32(len(c.data)))
	c.valid = append(c.valid, 1)
}

// truncate drops every value after the first n.
func (c *column) truncate(n int) {
	if len(c.valid) > n {
		for _, v := range c.valid[n:] {
			if v == 0 {
				c.nulls--
			}
		}
		c.valid = c.valid[:n]
	}
	// A string value that failed half way has bytes in data but no offset yet.
	switch c.kind {
	case kFloat64, kFloat32:
		c.f64 = c.f64[:n]
	case kString:
		c.offs = c.offs[:n+1]
		c.data = c.data[:c.offs[n]]
	case kDecimal:
		c.dec = c.dec[:n]
	case kList:
		c.offs = c.offs[:n+1]
		c.elem.truncate(int(c.offs[n]))
	case kMap:
		c.offs = c.offs[:n+1]
		c.elem.truncate(int(c.offs[n]))
		c.vals.truncate(int(c.offs[n]))
	case kStruct:
		for i := range c.fields {
			c.fields[i].truncate(n)
		}
	default:
		c.i64 = c.i64[:n]
	}
}

// release drops the column's buffered values, and its children's.
func (c *column) release() {
	c.i64, c.f64, c.dec, c.data, c.valid = nil, nil, nil, nil, nil
	c.offs, c.nulls = []int32{0}, 0
	for _, ch := range []*column{c.elem, c.vals} {
		if ch != nil {
			ch.release()
		}
	}
	for i := range c.fields {
		c.fields[i].release()
	}
}

func (c *column) reset() {
	c.i64, c.f64, c.dec = c.i64[:0], c.f64[:0], c.dec[:0]
	c.offs, c.data = c.offs[:1], c.data[:0]
	c.valid, c.nulls = c.valid[:0], 0
}

func newBuffer(mem memory.Allocator, b []byte) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(b))
	copy(buf.Bytes(), b)
	return buf
}

func sliceBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// build makes an Arrow array of the first n values (all of them) and resets the column.
func (c *column) build(mem memory.Allocator) arrow.Array {
	n := len(c.valid)
	var validity *memory.Buffer
	if c.nulls > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		bm := validity.Bytes()
		clear(bm)
		for i, v := range c.valid {
			if v != 0 {
				bitutil.SetBit(bm, i)
			}
		}
	}
	var bufs []*memory.Buffer
	var children []arrow.ArrayData
	switch c.kind {
	case kInt:
		var vals *memory.Buffer
		switch c.typ.ID() {
		case arrow.INT64:
			vals = newBuffer(mem, sliceBytes(c.i64))
		case arrow.INT32:
			vals = memory.NewResizableBuffer(mem)
			vals.Resize(n * 4)
			out := arrow.Int32Traits.CastFromBytes(vals.Bytes())
			for i, v := range c.i64 {
				out[i] = int32(v)
			}
		case arrow.INT16:
			vals = memory.NewResizableBuffer(mem)
			vals.Resize(n * 2)
			out := arrow.Int16Traits.CastFromBytes(vals.Bytes())
			for i, v := range c.i64 {
				out[i] = int16(v)
			}
		default:
			vals = memory.NewResizableBuffer(mem)
			vals.Resize(n)
			out := vals.Bytes()
			for i, v := range c.i64 {
				out[i] = byte(int8(v))
			}
		}
		bufs = []*memory.Buffer{validity, vals}
	case kTimestamp:
		bufs = []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.i64))}
	case kDate32:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(n * 4)
		out := arrow.Int32Traits.CastFromBytes(vals.Bytes())
		for i, v := range c.i64 {
			out[i] = int32(v)
		}
		bufs = []*memory.Buffer{validity, vals}
	case kFloat64:
		bufs = []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.f64))}
	case kFloat32:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(n * 4)
		out := arrow.Float32Traits.CastFromBytes(vals.Bytes())
		for i, v := range c.f64 {
			out[i] = float32(v)
		}
		bufs = []*memory.Buffer{validity, vals}
	case kBool:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(int(bitutil.BytesForBits(int64(n))))
		bm := vals.Bytes()
		clear(bm)
		for i, v := range c.i64 {
			if v != 0 {
				bitutil.SetBit(bm, i)
			}
		}
		bufs = []*memory.Buffer{validity, vals}
	case kString:
		bufs = []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.offs)), newBuffer(mem, c.data)}
	case kDecimal:
		bufs = []*memory.Buffer{validity, newBuffer(mem, sliceBytes(c.dec))}
	default:
		bufs, children = c.buildNested(mem, validity)
	}
	data := array.NewData(c.typ, n, bufs, children, c.nulls, 0)
	for _, ch := range children {
		ch.Release()
	}
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	c.reset()
	return arr
}

// columnSet is the shared row bookkeeping of the decoders.
type columnSet struct {
	schema *arrow.Schema
	mem    memory.Allocator
	cols   []column
	n      int
}

func newColumnSet(schema *arrow.Schema, mem memory.Allocator) (columnSet, error) {
	cs := columnSet{schema: schema, mem: mem, cols: make([]column, schema.NumFields())}
	for i, f := range schema.Fields() {
		c, err := newColumn(f)
		if err != nil {
			return cs, err
		}
		cs.cols[i] = c
	}
	return cs, nil
}

// Len is the number of rows appended since the last Flush.
func (cs *columnSet) Len() int { return cs.n }

// DropLast implements Decoder.
func (cs *columnSet) DropLast() {
	if cs.n == 0 {
		return
	}
	cs.n--
	for i := range cs.cols {
		cs.cols[i].truncate(cs.n)
	}
}

// rollback drops the values the current (failed) row set.
func (cs *columnSet) rollback() {
	for i := range cs.cols {
		cs.cols[i].truncate(cs.n)
	}
}

// Flush returns the rows appended since the last Flush, or nil when there are none.
// The caller releases the batch.
func (cs *columnSet) Flush() arrow.RecordBatch {
	if cs.n == 0 {
		return nil
	}
	arrs := make([]arrow.Array, len(cs.cols))
	for i := range cs.cols {
		arrs[i] = cs.cols[i].build(cs.mem)
	}
	b := array.NewRecordBatch(cs.schema, arrs, int64(cs.n))
	for _, a := range arrs {
		a.Release()
	}
	cs.n = 0
	return b
}

// Release drops the buffered rows. The decoder holds no Arrow memory between Flushes, so
// this only frees Go memory; it is safe to call more than once.
func (cs *columnSet) Release() {
	for i := range cs.cols {
		cs.cols[i].release()
	}
	cs.n = 0
}
