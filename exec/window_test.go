package exec

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func windows(w WindowSpec, t int64) [][2]int64 {
	var out [][2]int64
	for p := 0; p < w.Passes(); p++ {
		if s, e, ok := w.Window(t, p); ok {
			out = append(out, [2]int64{s, e})
		}
	}
	return out
}

func TestWindowAssignment(t *testing.T) {
	tumble := WindowSpec{Kind: Tumble, Size: 10}
	assert.Equal(t, [][2]int64{{0, 10}}, windows(tumble, 0))
	assert.Equal(t, [][2]int64{{0, 10}}, windows(tumble, 9))
	assert.Equal(t, [][2]int64{{-10, 0}}, windows(tumble, -1), "negative times floor, not truncate")
	assert.Equal(t, [][2]int64{{3, 13}}, windows(WindowSpec{Kind: Tumble, Size: 10, Offset: 3}, 12))

	hop := WindowSpec{Kind: Hop, Slide: 5, Size: 15}
	assert.Equal(t, [][2]int64{{5, 20}, {0, 15}, {-5, 10}}, windows(hop, 7))
	assert.Equal(t, [][2]int64{{5, 20}, {0, 15}, {-5, 10}}, windows(hop, 5))

	cum := WindowSpec{Kind: Cumulate, Slide: 10, Size: 30}
	assert.Equal(t, [][2]int64{{0, 10}, {0, 20}, {0, 30}}, windows(cum, 1))
	assert.Equal(t, [][2]int64{{0, 30}}, windows(cum, 25))
	assert.Equal(t, [][2]int64{{30, 40}, {30, 50}, {30, 60}}, windows(cum, 30))

	assert.Error(t, WindowSpec{Kind: Hop, Slide: 7, Size: 10}.Validate())
	assert.Error(t, WindowSpec{Kind: Cumulate, Slide: 0, Size: 10}.Validate())
	assert.Error(t, WindowSpec{Kind: Session}.Validate())
}

func TestKeyCodecRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		&arrow.TimestampType{Unit: arrow.Millisecond}, &arrow.Decimal128Type{Precision: 10, Scale: 2}, arrow.PrimitiveTypes.Int32}
	c, err := newKeyCodec(types)
	require.NoError(t, err)
	in := array.NewRecordBuilder(mem, arrow.NewSchema(fieldsOf(types), nil))
	defer in.Release()
	in.Field(0).(*array.Int64Builder).AppendValues([]int64{-5, 7}, []bool{true, false})
	in.Field(1).(*array.StringBuilder).AppendValues([]string{"", "héllo"}, nil)
	in.Field(2).(*array.Float64Builder).AppendValues([]float64{math.Copysign(0, -1), 2.5}, nil)
	in.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	in.Field(4).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1793491200000, -1}, nil)
	in.Field(5).AppendNull()
	require.NoError(t, in.Field(5).AppendValueFromString("12.50"))
	in.Field(6).(*array.Int32Builder).AppendValues([]int32{1, -1}, nil)
	rec := in.NewRecordBatch()
	defer rec.Release()

	out := array.NewRecordBuilder(mem, rec.Schema())
	defer out.Release()
	for r := 0; r < 2; r++ {
		var key []byte
		for _, col := range rec.Columns() {
			key = appendValue(key, col, r)
		}
		rest := c.decodeInto(key, out.Fields())
		assert.Empty(t, rest)
	}
	got := out.NewRecordBatch()
	defer got.Release()
	// -0.0 groups with 0 and comes back as 0.
	assert.Contains(t, string(must(got.MarshalJSON())), `[{"f0":-5,"f1":"","f2":0,"f3":true,"f4":"2026-11-01T00:00:00","f5":null,"f6":1}`)
	assert.True(t, got.Column(0).IsNull(1))
	assert.Equal(t, "héllo", got.Column(1).(*array.String).Value(1))
	assert.Equal(t, "12.5", got.Column(5).ValueStr(1))
}

func fieldsOf(types []arrow.DataType) []arrow.Field {
	fs := make([]arrow.Field, len(types))
	for i, t := range types {
		fs[i] = arrow.Field{Name: "f" + string(rune('0'+i)), Type: t, Nullable: true}
	}
	return fs
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestIntTable(t *testing.T) {
	tb := newIntTable(0)
	for i := int64(0); i < 1000; i++ {
		assert.Equal(t, int32(-1), tb.get(i*7919))
		tb.put(i*7919, int32(i))
	}
	for i := int64(0); i < 1000; i++ {
		assert.Equal(t, int32(i), tb.get(i*7919))
	}
	tb.reset()
	assert.Equal(t, int32(-1), tb.get(7919))
}
