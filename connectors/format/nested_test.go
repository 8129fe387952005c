package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func nf(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

var point = arrow.StructOf(nf("x", arrow.PrimitiveTypes.Float64), nf("y", arrow.PrimitiveTypes.Float64))

var nestedTypes = arrow.NewSchema([]arrow.Field{
	nf("id", arrow.PrimitiveTypes.Int64),
	nf("tags", arrow.ListOf(arrow.BinaryTypes.String)),
	nf("pos", point),
	nf("attrs", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)),
	nf("pts", arrow.ListOf(point)),
	nf("m2", arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.ListOf(arrow.PrimitiveTypes.Int32))),
	nf("ev", arrow.StructOf(nf("ts", &arrow.TimestampType{Unit: arrow.Millisecond}), nf("amt", &arrow.Decimal128Type{Precision: 5, Scale: 2}),
		nf("tags", arrow.ListOf(arrow.PrimitiveTypes.Int16)))),
}, nil)

var nestedLines = []string{
	`{"id":1,"tags":["a","b\n"],"pos":{"x":1,"y":2.5},"attrs":{"k":1,"j":2},"pts":[{"x":1,"y":2},{"X":3}],"m2":{"1":[1,2],"2":null},"ev":{"ts":"2026-11-01 00:00:01","amt":"1.5","tags":[1,null,"3"]}}`,
	`{"id":2,"tags":[],"pos":{"y":1,"y":3,"z":{"skip":[1]}},"attrs":{},"pts":null,"ev":{}}`,
	` { "id" : 3 , "tags" : [ null , "x" ] , "pos" : null , "attrs" : { "k" : null } , "pts" : [ ] } `,
	`{"id":4,"tags":{"a":1}}`,
	`{"id":5,"tags":["a"],"pts":[{"x":1},{"x":"bad"}]}`,
	`{"id":6,"attrs":{"k":1},"m2":{"x":[1]}}`,
	`{"id":7,"tags":["a",`,
	`{"id":8,"tags":"abc"}`,
	`{"id":9,"tags":["a"],"tags":["b","c"],"pos":{"x":1},"pos":{"y":2}}`,
	`{"id":10,"pos":{"x":1},"pts":[{"x":2}],"id":"bad"}`,
	`{"id":11,"ev":{"tags":[1,2,99999]}}`,
	`{"id":12,"attrs":[1]}`,
	`{"id":13,"pos":{"x":1,}}`,
	`{"id":14,"m2":{"3":[4],"3":[5]}}`,
}

func TestJSONDecodeNested(t *testing.T) {
	rows, errs := decodeJSON(t, nestedTypes, JSONOptions{}, nestedLines...)
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	assert.Equal(t, []string{
		`field "tags": expected ARRAY<STRING>, got {"a":1}`,
		"field \"pts\": expected ARRAY<ROW<`x` DOUBLE, `y` DOUBLE>>, got [{\"x\":1},{\"x\":\"bad\"}]",
		`field "m2": expected MAP<INT, ARRAY<INT>>, got {"x":[1]}`,
		`invalid JSON at byte 21: expected a value`,
		`field "tags": expected ARRAY<STRING>, got "abc"`,
		`field "id": expected BIGINT, got "bad"`,
		"field \"ev\": expected ROW<`ts` TIMESTAMP(3), `amt` DECIMAL(5, 2), `tags` ARRAY<SMALLINT>>, got {\"tags\":[1,2,99999]}",
		`field "attrs": expected MAP<STRING, BIGINT>, got [1]`,
		`invalid JSON at byte 23: expected a field name`,
	}, msgs)
	assert.Equal(t, []string{
		`1 | ["a","b\n"] | {"x":1,"y":2.5} | {"k":1,"j":2} | [{"x":1,"y":2},{"x":3,"y":null}] | {"1":[1,2],"2":null} | {"ts":"2026-11-01 00:00:01.000","amt":"1.50","tags":[1,null,3]}`,
		`2 | [] | {"x":null,"y":3} | {} | NULL | NULL | {"ts":null,"amt":null,"tags":null}`,
		`3 | [null,"x"] | NULL | {"k":null} | [] | NULL | NULL`,
		`9 | ["b","c"] | {"x":null,"y":2} | NULL | NULL | NULL | NULL`,
		`14 | NULL | NULL | NULL | NULL | {"3":[4],"3":[5]} | NULL`,
	}, rows)
}

func TestJSONDecodeNestedIgnoreErrors(t *testing.T) {
	rows, errs := decodeJSON(t, nestedTypes, JSONOptions{IgnoreParseErrors: true}, nestedLines...)
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	assert.Equal(t, []string{`invalid JSON at byte 21: expected a value`, `invalid JSON at byte 23: expected a field name`}, msgs)
	assert.Equal(t, []string{
		`1 | ["a","b\n"] | {"x":1,"y":2.5} | {"k":1,"j":2} | [{"x":1,"y":2},{"x":3,"y":null}] | {"1":[1,2],"2":null} | {"ts":"2026-11-01 00:00:01.000","amt":"1.50","tags":[1,null,3]}`,
		`2 | [] | {"x":null,"y":3} | {} | NULL | NULL | {"ts":null,"amt":null,"tags":null}`,
		`3 | [null,"x"] | NULL | {"k":null} | [] | NULL | NULL`,
		`4 | NULL | NULL | NULL | NULL | NULL | NULL`,
		`5 | ["a"] | NULL | NULL | [{"x":1,"y":null},{"x":null,"y":null}] | NULL | NULL`,
		`6 | NULL | NULL | {"k":1} | NULL | NULL | NULL`,
		`8 | NULL | NULL | NULL | NULL | NULL | NULL`,
		`9 | ["b","c"] | {"x":null,"y":2} | NULL | NULL | NULL | NULL`,
		`NULL | NULL | {"x":1,"y":null} | NULL | [{"x":2,"y":null}] | NULL | NULL`,
		`11 | NULL | NULL | NULL | NULL | NULL | {"ts":null,"amt":null,"tags":[1,2,null]}`,
		`12 | NULL | NULL | NULL | NULL | NULL | NULL`,
		`14 | NULL | NULL | NULL | NULL | {"3":[4],"3":[5]} | NULL`,
	}, rows)
}

// A batch with nested columns is valid Arrow, and a failed row leaves no trace in it.
func TestJSONDecodeNestedRollback(t *testing.T) {
	d, err := NewJSONDecoder(nestedTypes, newMem(t), JSONOptions{})
	require.NoError(t, err)
	defer d.Release()
	for round := 0; round < 2; round++ {
		for _, l := range nestedLines {
			_ = d.Append([]byte(l))
		}
		b := d.Flush()
		require.NotNil(t, b)
		require.EqualValues(t, 5, b.NumRows())
		for _, col := range b.Columns() {
			if v, ok := col.(interface{ ValidateFull() error }); ok {
				require.NoError(t, v.ValidateFull())
			}
		}
		b.Release()
	}
}

func TestJSONEncodeNested(t *testing.T) {
	d, err := NewJSONDecoder(nestedTypes, newMem(t), JSONOptions{})
	require.NoError(t, err)
	defer d.Release()
	require.NoError(t, d.Append([]byte(nestedLines[0])))
	b := d.Flush()
	defer b.Release()
	got := NewJSONEncoder(b.Schema()).AppendRow(nil, b, 0)
	assert.Equal(t, `{"id":1,"tags":["a","b\n"],"pos":{"x":1,"y":2.5},"attrs":{"k":1,"j":2},"pts":[{"x":1,"y":2},{"x":3,"y":null}],"m2":{"1":[1,2],"2":null},"ev":{"ts":"2026-11-01 00:00:01.000","amt":"1.50","tags":[1,null,3]}}`, string(got))
}
