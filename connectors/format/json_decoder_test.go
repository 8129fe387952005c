package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allTypes = arrow.NewSchema([]arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "ltz", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

func decodeJSON(t *testing.T, schema *arrow.Schema, opts JSONOptions, lines ...string) ([]string, []error) {
	t.Helper()
	d, err := NewJSONDecoder(schema, newMem(t), opts)
	require.NoError(t, err)
	return decodeLines(t, d, lines)
}

func TestJSONDecodeAllTypes(t *testing.T) {
	rows, errs := decodeJSON(t, allTypes, JSONOptions{},
		`{"i8":-128,"i16":32767,"i32":12.0,"i64":9223372036854775807,"f32":1.5,"f64":9012.5,"b":true,"s":"a\"b\u00e9\n","d":12.5,"ts":"2026-11-01 00:00:10.123","ltz":"2026-11-01T00:00:10.000Z","dt":"2026-11-01"}`,
		`{"I64":"-42","F64":"1e3","B":"FALSE","S":123.50,"D":"-0.055","TS":1793491210123,"LTZ":"2026-11-01T02:00:10+02:00","DT":20758}`,
		`{"s":{"a":[1, 2]},"ts":"2026-11-01T00:00:10","f64":-1.25e-3}`,
		`{"s":[true,null],"i64":null,"ts":"2026-11-01 00:00:10.5"}`,
		`{}`,
		`  {"s": "x" , "s": "last" , "unknown": {"deep": [1, {"x": "y"}]}}  `,
	)
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{
		`-128 | 32767 | 12 | 9223372036854775807 | 1.5 | 9012.5 | true | a"bé` + "\n" + ` | 12.50 | 2026-11-01 00:00:10.123 | 2026-11-01 00:00:10.000 | 2026-11-01`,
		`NULL | NULL | NULL | -42 | NULL | 1000 | false | 123.50 | -0.06 | 2026-11-01 00:00:10.123 | 2026-11-01 00:00:10.000 | 2026-11-01`,
		`NULL | NULL | NULL | NULL | NULL | -0.00125 | NULL | {"a":[1, 2]} | NULL | 2026-11-01 00:00:10.000 | NULL | NULL`,
		`NULL | NULL | NULL | NULL | NULL | NULL | NULL | [true,null] | NULL | 2026-11-01 00:00:10.500 | NULL | NULL`,
		`NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL`,
		`NULL | NULL | NULL | NULL | NULL | NULL | NULL | last | NULL | NULL | NULL | NULL`,
	}, rows)
}

func TestJSONDecodeBadRecordsRollBack(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	}, nil)
	cases := []struct{ line, err string }{
		{`{"auction":1,"name":"x","price":"abc"}`, `field "price": expected DOUBLE, got "abc"`},
		{`{"auction":12.5,"name":"x"}`, `field "auction": expected BIGINT, got 12.5`},
		{`{"auction":"abc"}`, `field "auction": expected BIGINT, got "abc"`},
		{`{"auction":1,"name":"half`, `invalid JSON at byte 26: unterminated string`},
		{`{"auction":1,"name":"x","price":1.5,"ts":"yesterday"}`, `field "ts": expected TIMESTAMP(3), got "yesterday"`},
		{`{"auction":1,"name":"x","price":1.5,"ts":"2026-13-01 00:00:00"}`, `field "ts": expected TIMESTAMP(3), got "2026-13-01 00:00:00"`},
		{`{"auction":1,"name":"x"} trailing`, `invalid JSON at byte 26: unexpected data after the object`},
		{`{"auction":1,"name":"x",}`, `invalid JSON at byte 25: expected a field name`},
		{`{"auction":99999999999999999999}`, `field "auction": expected BIGINT, got 99999999999999999999`},
		{`{"auction":true}`, `field "auction": expected BIGINT, got true`},
		{`{"auction":{"a":1}}`, `field "auction": expected BIGINT, got {"a":1}`},
		{`{"name":"a","other":[1,2}`, `invalid JSON at byte 25: expected ',' or ']'`},
		{`[1]`, `invalid JSON at byte 1: expected '{'`},
		{`{"auction":01}`, `invalid JSON at byte 13: expected ',' or '}'`},
		{`{"name":"bad \x"}`, `invalid JSON at byte 15: invalid escape character`},
		{"{\"name\":\"bad \xff\"}", `invalid JSON at byte 14: invalid UTF-8 in string`},
	}
	var lines []string
	for _, c := range cases {
		lines = append(lines, `{"auction":7,"name":"good","price":1,"ts":0}`, c.line)
	}
	rows, errs := decodeJSON(t, schema, JSONOptions{}, lines...)
	for i, c := range cases {
		assert.NoError(t, errs[2*i])
		if assert.Error(t, errs[2*i+1], c.line) {
			assert.Equal(t, c.err, errs[2*i+1].Error(), c.line)
		}
	}
	require.Len(t, rows, len(cases))
	for _, r := range rows {
		assert.Equal(t, "7 | good | 1 | 1970-01-01 00:00:00.000", r)
	}
}

func TestJSONDecodeOptions(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rows, errs := decodeJSON(t, schema, JSONOptions{IgnoreParseErrors: true}, `{"a":"x","b":"y"}`, `{"a":1e10,"b":2}`, `{"a":`)
	assert.NoError(t, errs[0])
	assert.NoError(t, errs[1])
	assert.Error(t, errs[2])
	assert.Equal(t, []string{"NULL | y", "NULL | 2"}, rows)

	rows, errs = decodeJSON(t, schema, JSONOptions{FailOnMissingField: true}, `{"a":1}`, `{"a":1,"B":null}`)
	assert.EqualError(t, errs[0], `field "b" is missing`)
	assert.NoError(t, errs[1])
	assert.Equal(t, []string{"1 | NULL"}, rows)
}

func TestJSONDecodeNumbers(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 38, Scale: 4}, Nullable: true},
	}, nil)
	rows, errs := decodeJSON(t, schema, JSONOptions{},
		`{"f":0.1,"d":"12345678901234567890123456789012.34565"}`,
		`{"f":123456789012345678901234567890,"d":1.5e2}`,
		`{"f":-0.0000001234,"d":-0.00005}`,
		`{"f":1.7976931348623157e308,"d":0}`,
		`{"f":"NaN","d":"1e40"}`,
	)
	for _, e := range errs[:4] {
		assert.NoError(t, e)
	}
	assert.EqualError(t, errs[4], `field "d": expected DECIMAL(38, 4), got "1e40"`)
	assert.Equal(t, []string{
		"0.1 | 12345678901234567890123456789012.3457",
		"1.2345678901234568e+29 | 150.0000",
		"-0.0000001234 | -0.0001",
		"1.7976931348623157e+308 | 0.0000",
	}, rows)
}

func TestUnsupportedType(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.Binary)}}, nil)
	_, err := NewJSONDecoder(schema, newMem(t), JSONOptions{})
	assert.ErrorContains(t, err, `column "l": type ARRAY<BYTES> is not supported`)
	schema = arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	_, err = NewCSVDecoder(schema, newMem(t), CSVOptions{})
	assert.ErrorContains(t, err, `column "l": type ARRAY<BIGINT> is not supported by the csv format`)
}
