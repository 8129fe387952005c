package expr

// Low-level helpers for building Arrow arrays straight from typed buffers. Kernels allocate
// their output buffers from the evaluator's allocator, fill them with plain slice loops, and
// wrap them with newArray; validity is the AND of the inputs' bitmaps unless a kernel says
// otherwise.

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type fixedNum interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

// allocFixed returns an output buffer of n values of T.
func allocFixed[T arrow.FixedWidthType](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(zero)))
	return buf, arrow.GetData[T](buf.Bytes())[:n]
}

// allocBits returns a zeroed bitmap buffer for n bits, padded to whole 8-byte words so
// word-at-a-time loops may write the tail.
func allocBits(mem memory.Allocator, n int) (*memory.Buffer, []byte) {
	buf := memory.NewResizableBuffer(mem)
	nb := (n + 63) / 64 * 8
	buf.Resize(nb)
	b := buf.Bytes()[:nb]
	clear(b)
	return buf, b
}

// newArray wraps buffers (the caller's references are handed over) into an array of type t.
func newArray(t arrow.DataType, n int, bufs ...*memory.Buffer) arrow.Array {
	nulls := array.UnknownNullCount
	if bufs[0] == nil {
		nulls = 0
	}
	data := array.NewData(t, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	arr := array.MakeFromData(data)
	data.Release()
	return arr
}

// values is the typed view of a fixed-width array's data, honouring its offset.
func values[T arrow.FixedWidthType](a arrow.Array) []T {
	return arrow.GetValues[T](a.Data(), 1)
}

// andValidity is the AND of the validity bitmaps of arrs over n rows, or nil when no input
// has nulls (the result is then all valid).
func andValidity(mem memory.Allocator, n int, arrs ...arrow.Array) *memory.Buffer {
	var out *memory.Buffer
	var ob []byte
	for _, a := range arrs {
		if a == nil || a.NullN() == 0 {
			continue
		}
		bm := a.NullBitmapBytes()
		if bm == nil { // e.g. a Null array: nothing is valid
			if out == nil {
				out, ob = allocBits(mem, n)
			}
			clear(ob)
			continue
		}
		off := a.Data().Offset()
		if out == nil {
			out, ob = allocBits(mem, n)
			bitutil.CopyBitmap(bm, off, n, ob, 0)
		} else {
			bitutil.BitmapAnd(ob, bm, 0, int64(off), ob, 0, int64(n))
		}
	}
	return out
}

// ensureValidity returns a writable validity buffer (all ones when v is nil).
func ensureValidity(mem memory.Allocator, v *memory.Buffer, n int) (*memory.Buffer, []byte) {
	if v != nil {
		return v, v.Bytes()
	}
	buf, b := allocBits(mem, n)
	for i := range b {
		b[i] = 0xff
	}
	return buf, b
}

// alignedBits returns the bitmap of buffer idx (0 validity, 1 boolean values) of a as a
// byte slice whose bit 0 is row 0, copying only when the array's offset is not byte aligned.
// It returns nil for an absent validity bitmap (all valid).
func alignedBits(a arrow.Array, idx int) []byte {
	buf := a.Data().Buffers()[idx]
	if buf == nil {
		return nil
	}
	off := a.Data().Offset()
	n := a.Len()
	if off%8 == 0 {
		b := buf.Bytes()[off/8:]
		if len(b) > (n+7)/8 {
			b = b[:(n+7)/8]
		}
		return b
	}
	out := make([]byte, (n+7)/8)
	bitutil.CopyBitmap(buf.Bytes(), off, n, out, 0)
	return out
}

// packBools packs tmp (one 0/1 byte per row) into the bitmap out, 8 rows per multiply.
func packBools(tmp []byte, out []byte) {
	n := len(tmp)
	full := n / 8
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(tmp))), full)
	for j, w := range words {
		out[j] = byte((w * 0x0102040810204080) >> 56)
	}
	for i := full * 8; i < n; i++ {
		if tmp[i] != 0 {
			out[i/8] |= 1 << (i % 8)
		}
	}
}

func b2u(b bool) byte { return *(*byte)(unsafe.Pointer(&b)) }

// boolArray builds a BOOLEAN array from a bitmap of values and an optional validity buffer.
func boolArray(n int, validity, vals *memory.Buffer) arrow.Array {
	return newArray(Bool, n, validity, vals)
}

// broadcast materialises a literal as an array of n equal values.
func broadcast(mem memory.Allocator, l *Literal, n int) (arrow.Array, error) {
	if l.Value == nil || isNull(l.T) {
		return array.MakeArrayOfNull(mem, l.T, n), nil
	}
	switch l.T.ID() {
	case arrow.BOOL:
		buf, bm := allocBits(mem, n)
		if l.Value.(bool) {
			for i := range bm {
				bm[i] = 0xff
			}
		}
		return boolArray(n, nil, buf), nil
	case arrow.INT8:
		return fill[int8](mem, l.T, n, int8(l.Value.(int64))), nil
	case arrow.INT16:
		return fill[int16](mem, l.T, n, int16(l.Value.(int64))), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return fill[int32](mem, l.T, n, int32(l.Value.(int64))), nil
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION, arrow.DATE64, arrow.TIME64:
		return fill[int64](mem, l.T, n, l.Value.(int64)), nil
	case arrow.FLOAT32:
		return fill[float32](mem, l.T, n, float32(l.Value.(float64))), nil
	case arrow.FLOAT64:
		return fill[float64](mem, l.T, n, l.Value.(float64)), nil
	case arrow.DECIMAL128:
		return fill[decimal128.Num](mem, l.T, n, l.Value.(decimal128.Num)), nil
	case arrow.STRING:
		s := l.Value.(string)
		ob, offs := allocFixed[int32](mem, n+1)
		for i := range offs {
			offs[i] = int32(i * len(s))
		}
		db := memory.NewResizableBuffer(mem)
		db.Resize(n * len(s))
		d := db.Bytes()
		for i := 0; i < n; i++ {
			copy(d[i*len(s):], s)
		}
		return newArray(l.T, n, nil, ob, db), nil
	}
	return nil, fmt.Errorf("expr: cannot broadcast a literal of type %s", TypeName(l.T))
}

func fill[T arrow.FixedWidthType](mem memory.Allocator, t arrow.DataType, n int, v T) arrow.Array {
	buf, out := allocFixed[T](mem, n)
	for i := range out {
		out[i] = v
	}
	return newArray(t, n, nil, buf)
}

// valueAt returns row i of a as a Literal value (nil for NULL); used for constant folding
// and tests, never on hot paths.
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Date32:
		return int64(a.Value(i))
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Duration:
		return int64(a.Value(i))
	case *array.Time32:
		return int64(a.Value(i))
	}
	return nil
}
