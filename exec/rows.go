package exec

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// RowCodec encodes rows of batches into byte strings that are equal exactly when the SQL
// values are equal (NULL equals NULL), and decodes them back into builders. Operators that
// keep rows in state (joins, Top-N, OVER) keep them encoded: one string per row, usable as a
// map key and compared with ==. Columns of nested types (ARRAY, ROW, MAP) are kept in their
// text form.
type RowCodec struct {
	types []arrow.DataType
}

// NewRowCodec makes a codec for rows with the given column types.
func NewRowCodec(types []arrow.DataType) *RowCodec { return &RowCodec{types: types} }

// SchemaRowCodec makes a codec for whole rows of s.
func SchemaRowCodec(s *arrow.Schema) *RowCodec {
	types := make([]arrow.DataType, s.NumFields())
	for i, f := range s.Fields() {
		types[i] = f.Type
	}
	return NewRowCodec(types)
}

// Append appends the encoding of row i of cols (one array per codec type) to dst.
func (c *RowCodec) Append(dst []byte, cols []arrow.Array, i int) []byte {
	for j := range c.types {
		dst = appendCell(dst, cols[j], i)
	}
	return dst
}

// AppendBatch appends the encoding of row i of the given columns of b.
func (c *RowCodec) AppendBatch(dst []byte, b arrow.RecordBatch, colIdx []int, i int) []byte {
	for _, j := range colIdx {
		dst = appendCell(dst, b.Column(j), i)
	}
	return dst
}

// Decode appends the values of an encoded row to bs (one builder per codec type) and
// returns the rest of row.
func (c *RowCodec) Decode(row []byte, bs []array.Builder) []byte {
	for j, t := range c.types {
		row = decodeCell(row, t, bs[j])
	}
	return row
}

// DecodeString is Decode for a row kept as a string.
func (c *RowCodec) DecodeString(row string, bs []array.Builder) {
	c.Decode([]byte(row), bs)
}

// appendCell encodes arr[i] whatever its type.
func appendCell(dst []byte, arr arrow.Array, i int) []byte {
	if keyable(arr.DataType()) {
		return appendValue(dst, arr, i)
	}
	if arr.IsNull(i) {
		return append(dst, 0)
	}
	s := arr.ValueStr(i)
	dst = append(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func decodeCell(key []byte, t arrow.DataType, b array.Builder) []byte {
	if keyable(t) {
		return decodeValue(key, t, b)
	}
	if key[0] == 0 {
		b.AppendNull()
		return key[1:]
	}
	key = key[1:]
	n, k := binary.Uvarint(key)
	if err := b.AppendValueFromString(string(key[k : k+int(n)])); err != nil {
		b.AppendNull()
	}
	return key[k+int(n):]
}

// AppendCell appends arr[i] to b (of arr's type).
func AppendCell(b array.Builder, arr arrow.Array, i int) {
	var scratch [32]byte
	decodeCell(appendCell(scratch[:0], arr, i), arr.DataType(), b)
}

// BatchBuilder collects output rows of one schema with their row kinds and emits them as
// one message.
type BatchBuilder struct {
	schema *arrow.Schema
	rb     *array.RecordBuilder
	kinds  []RowKind
	update bool // some row is not an Insert
}

// NewBatchBuilder makes a builder for batches of schema.
func NewBatchBuilder(schema *arrow.Schema, mem memory.Allocator) *BatchBuilder {
	return &BatchBuilder{schema: schema, rb: array.NewRecordBuilder(mem, schema)}
}

// Fields are the column builders; append one value to each per row, then call Row.
func (b *BatchBuilder) Fields() []array.Builder { return b.rb.Fields() }

// Row records the kind of the row just appended to the column builders.
func (b *BatchBuilder) Row(k RowKind) {
	b.kinds = append(b.kinds, k)
	if k != Insert {
		b.update = true
	}
}

// Len is the number of rows collected.
func (b *BatchBuilder) Len() int { return len(b.kinds) }

// Emit sends the collected rows (if any) as one batch message and starts afresh. Kinds is
// nil when every row is an Insert.
func (b *BatchBuilder) Emit(out Emitter) error {
	if len(b.kinds) == 0 {
		return nil
	}
	rec := b.rb.NewRecordBatch()
	defer rec.Release()
	var kinds []RowKind
	if b.update {
		kinds = b.kinds
	}
	b.kinds, b.update = nil, false
	return out.Emit(ChangelogMessage(rec, kinds))
}

// Release frees the builder.
func (b *BatchBuilder) Release() { b.rb.Release() }
