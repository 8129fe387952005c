package exec

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// keyCodec turns the values of some columns of a row into bytes that compare equal exactly
// when the SQL values are equal (NULL equals NULL, as GROUP BY wants), and back again.
// Encoded keys are map keys for group ids and distinct sets.
type keyCodec struct {
	types []arrow.DataType
}

func newKeyCodec(types []arrow.DataType) (*keyCodec, error) {
	for _, t := range types {
		if !keyable(t) {
			return nil, fmt.Errorf("cannot group by a column of type %s", t)
		}
	}
	return &keyCodec{types: types}, nil
}

// keyable says whether the key encoding (appendValue) and the order encoding
// (appendOrderKey) take values of t.
func keyable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.BOOL, arrow.STRING, arrow.LARGE_STRING, arrow.BINARY,
		arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.DURATION, arrow.DECIMAL128:
		return true
	}
	return false
}

// appendValue appends the encoding of arr[i] to dst.
func appendValue(dst []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	switch a := arr.(type) {
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Int32:
		return binary.LittleEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Int16:
		return binary.LittleEndian.AppendUint16(dst, uint16(a.Value(i)))
	case *array.Int8:
		return append(dst, byte(a.Value(i)))
	case *array.Uint64:
		return binary.LittleEndian.AppendUint64(dst, a.Value(i))
	case *array.Uint32:
		return binary.LittleEndian.AppendUint32(dst, a.Value(i))
	case *array.Uint16:
		return binary.LittleEndian.AppendUint16(dst, a.Value(i))
	case *array.Uint8:
		return append(dst, a.Value(i))
	case *array.Float64:
		v := a.Value(i)
		if v == 0 {
			v = 0 // -0 groups with 0
		}
		if math.IsNaN(v) {
			v = math.NaN()
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	case *array.Float32:
		v := a.Value(i)
		if v == 0 {
			v = 0
		}
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
	case *array.Boolean:
		if a.Value(i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case *array.String:
		s := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case *array.LargeString:
		s := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case *array.Binary:
		s := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case *array.Timestamp:
		return binary.LittleEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Date32:
		return binary.LittleEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Date64:
		return binary.LittleEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Time32:
		return binary.LittleEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Time64:
		return binary.LittleEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Duration:
		return binary.LittleEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Decimal128:
		v := a.Value(i)
		dst = binary.LittleEndian.AppendUint64(dst, v.LowBits())
		return binary.LittleEndian.AppendUint64(dst, uint64(v.HighBits()))
	}
	panic(fmt.Sprintf("exec: keyCodec: unsupported array %T", arr)) // excluded by newKeyCodec
}

// decodeInto appends the values encoded in key (as written by appendValue for each of the
// codec's types, in order) to the builders; it returns the rest of key.
func (c *keyCodec) decodeInto(key []byte, bs []array.Builder) []byte {
	for j, t := range c.types {
		key = decodeValue(key, t, bs[j])
	}
	return key
}

func decodeValue(key []byte, t arrow.DataType, b array.Builder) []byte {
	if key[0] == 0 {
		b.AppendNull()
		return key[1:]
	}
	key = key[1:]
	le := binary.LittleEndian
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(int64(le.Uint64(key)))
		return key[8:]
	case *array.Int32Builder:
		bb.Append(int32(le.Uint32(key)))
		return key[4:]
	case *array.Int16Builder:
		bb.Append(int16(le.Uint16(key)))
		return key[2:]
	case *array.Int8Builder:
		bb.Append(int8(key[0]))
		return key[1:]
	case *array.Uint64Builder:
		bb.Append(le.Uint64(key))
		return key[8:]
	case *array.Uint32Builder:
		bb.Append(le.Uint32(key))
		return key[4:]
	case *array.Uint16Builder:
		bb.Append(le.Uint16(key))
		return key[2:]
	case *array.Uint8Builder:
		bb.Append(key[0])
		return key[1:]
	case *array.Float64Builder:
		bb.Append(math.Float64frombits(le.Uint64(key)))
		return key[8:]
	case *array.Float32Builder:
		bb.Append(math.Float32frombits(le.Uint32(key)))
		return key[4:]
	case *array.BooleanBuilder:
		bb.Append(key[0] == 1)
		return key[1:]
	case *array.StringBuilder:
		n, k := binary.Uvarint(key)
		bb.Append(string(key[k : k+int(n)]))
		return key[k+int(n):]
	case *array.LargeStringBuilder:
		n, k := binary.Uvarint(key)
		bb.Append(string(key[k : k+int(n)]))
		return key[k+int(n):]
	case *array.BinaryBuilder:
		n, k := binary.Uvarint(key)
		bb.Append(key[k : k+int(n)])
		return key[k+int(n):]
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(le.Uint64(key)))
		return key[8:]
	case *array.Date32Builder:
		bb.Append(arrow.Date32(le.Uint32(key)))
		return key[4:]
	case *array.Date64Builder:
		bb.Append(arrow.Date64(le.Uint64(key)))
		return key[8:]
	case *array.Time32Builder:
		bb.Append(arrow.Time32(le.Uint32(key)))
		return key[4:]
	case *array.Time64Builder:
		bb.Append(arrow.Time64(le.Uint64(key)))
		return key[8:]
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(le.Uint64(key)))
		return key[8:]
	case *array.Decimal128Builder:
		bb.Append(decimal128.New(int64(le.Uint64(key[8:])), le.Uint64(key)))
		return key[16:]
	}
	panic(fmt.Sprintf("exec: keyCodec: unsupported builder %T for %s", b, t))
}
