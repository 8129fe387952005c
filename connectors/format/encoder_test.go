package format

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encoderBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "ltz", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, -9, 0}, []bool{true, true, false})
	b.Field(1).(*array.Int32Builder).AppendValues([]int32{7, 8, 0}, []bool{true, true, false})
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{9012.5, 12, math.NaN()}, nil)
	b.Field(3).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1250), decimal128.FromI64(-5), {}}, []bool{true, true, false})
	b.Field(4).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	b.Field(5).(*array.StringBuilder).AppendValues([]string{"foo", "a \"q\", b\n\x01é", ""}, []bool{true, true, false})
	b.Field(6).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1793491210000, -1, 0}, []bool{true, true, false})
	b.Field(7).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1793491210123, 0, 0}, []bool{true, true, false})
	b.Field(8).(*array.Date32Builder).AppendValues([]arrow.Date32{20758, 0, 0}, []bool{true, true, false})
	return b.NewRecordBatch()
}

func TestJSONEncoder(t *testing.T) {
	mem := newMem(t)
	rec := encoderBatch(t, mem)
	defer rec.Release()
	e := NewJSONEncoder(rec.Schema())
	assert.Equal(t, `{"id":1,"n":7,"price":9012.5,"amount":"12.50","ok":true,"name":"foo","ts":"2026-11-01 00:00:10.000","ltz":"2026-11-01 00:00:10.123","day":"2026-11-01"}`,
		string(e.AppendRow(nil, rec, 0)))
	assert.Equal(t, `{"id":-9,"n":8,"price":12,"amount":"-0.05","ok":false,"name":"a \"q\", b\n\u0001é","ts":"1969-12-31 23:59:59.999","ltz":"1970-01-01 00:00:00.000","day":"1970-01-01"}`,
		string(e.AppendRow(nil, rec, 1)))
	assert.Equal(t, `{"op":"-U","id":null,"n":null,"price":"NaN","amount":null,"ok":null,"name":null,"ts":null,"ltz":null,"day":null}`,
		string(e.AppendRowWithOp(nil, "-U", rec, 2)))
}

func TestCSVEncoder(t *testing.T) {
	mem := newMem(t)
	rec := encoderBatch(t, mem)
	defer rec.Release()
	e := NewCSVEncoder(CSVOptions{})
	assert.Equal(t, `1,7,9012.5,12.50,true,foo,2026-11-01 00:00:10.000,2026-11-01 00:00:10.123,2026-11-01`, string(e.AppendRow(nil, rec, 0)))
	assert.Equal(t, "-9,8,12,-0.05,false,\"a \"\"q\"\", b\n\x01é\",1969-12-31 23:59:59.999,1970-01-01 00:00:00.000,1970-01-01", string(e.AppendRow(nil, rec, 1)))
	assert.Equal(t, `,,NaN,,,,,,`, string(e.AppendRow(nil, rec, 2)))
	e = NewCSVEncoder(CSVOptions{FieldDelimiter: '|', NullLiteral: `\N`})
	assert.Equal(t, `\N|\N|NaN|\N|\N|\N|\N|\N|\N`, string(e.AppendRow(nil, rec, 2)))
}

func TestTextValue(t *testing.T) {
	mem := newMem(t)
	rec := encoderBatch(t, mem)
	defer rec.Release()
	assert.Equal(t, []string{
		"1 | 7 | 9012.5 | 12.50 | true | foo | 2026-11-01 00:00:10.000 | 2026-11-01 00:00:10.123 | 2026-11-01",
		"-9 | 8 | 12 | -0.05 | false | a \"q\", b\n\x01é | 1969-12-31 23:59:59.999 | 1970-01-01 00:00:00.000 | 1970-01-01",
		"NULL | NULL | NaN | NULL | NULL | NULL | NULL | NULL | NULL",
	}, rowsText(rec))
}

func TestTextFormats(t *testing.T) {
	assert.Equal(t, "0.001", string(appendDouble(nil, 0.001, true)))
	assert.Equal(t, "1e-08", string(appendDouble(nil, 1e-8, true)))
	assert.Equal(t, "1e+21", string(appendDouble(nil, 1e21, true)))
	assert.Equal(t, `"-Infinity"`, string(appendDouble(nil, math.Inf(-1), true)))
	assert.Equal(t, "0.000", string(appendDecimal(nil, decimal128.FromI64(0), 3)))
	assert.Equal(t, "1200", string(appendDecimal(nil, decimal128.FromI64(12), -2)))
	big, err := decimal128.FromString("-12345678901234567890123456.78", 38, 2)
	require.NoError(t, err)
	assert.Equal(t, "-12345678901234567890123456.78", string(appendDecimal(nil, big, 2)))
	assert.Equal(t, "2026-11-01 00:00:10.123456", string(appendTimestamp(nil, 1793491210123456, arrow.Microsecond)))
	assert.Equal(t, "2026-11-01 00:00:10.000", string(appendTimestamp(nil, 1793491210, arrow.Second)))
	assert.Equal(t, "0001-01-01 00:00:00.000", string(appendTimestamp(nil, -62135596800000, arrow.Millisecond)))
	assert.Equal(t, `"\ufffd"`, string(appendJSONString(nil, "\xff")))
	for _, days := range []int64{-800000, -1, 0, 59, 60, 20758, 2932896} {
		y, m, d := civilFromDays(days)
		assert.Equal(t, days, daysFromCivil(y, m, d))
	}
}

func TestIntervalText(t *testing.T) {
	assert.Equal(t, "+0 01:30:00.000", string(appendInterval(nil, 5_400_000, arrow.Millisecond)))
	assert.Equal(t, "-1 00:00:00.500", string(appendInterval(nil, -86_400_500, arrow.Millisecond)))
	assert.Equal(t, "+2 00:00:01.000", string(appendInterval(nil, 172_801, arrow.Second)))
}
