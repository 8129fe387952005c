package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decodeCSV(t *testing.T, schema *arrow.Schema, opts CSVOptions, lines ...string) ([]string, []error) {
	t.Helper()
	d, err := NewCSVDecoder(schema, newMem(t), opts)
	require.NoError(t, err)
	return decodeLines(t, d, lines)
}

var csvSchema = arrow.NewSchema([]arrow.Field{
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

func TestCSVDecode(t *testing.T) {
	opts := CSVOptions{Columns: []string{"auction", "NAME", "price", "ts"}}
	rows, errs := decodeCSV(t, csvSchema, opts,
		`1,foo,9012.5,2026-11-01 00:00:10.123`,
		`2,"a ""quoted"", name",1,1793491210000`+"\r",
		`3,,,`,
		`4,"",1e3,2026-11-01T00:00:10Z`,
		`5,plain"quote,2,`,
		`6,foo,abc,`,
		`7,foo,1`,
		`8,foo,1,,extra`,
		`9,"unterminated,1,`,
		`10,"x"y,1,`,
	)
	for _, e := range errs[:5] {
		assert.NoError(t, e)
	}
	assert.EqualError(t, errs[5], `field "price": expected DOUBLE, got "abc"`)
	assert.EqualError(t, errs[6], `wrong number of fields: expected 4, got 3`)
	assert.EqualError(t, errs[7], `wrong number of fields: expected 4, got 5`)
	assert.EqualError(t, errs[8], `field 2: unterminated quoted field`)
	assert.EqualError(t, errs[9], `field 2: unexpected character 'y' after a quoted field`)
	assert.Equal(t, []string{
		"9012.5 | foo | 2026-11-01 00:00:10.123",
		`1 | a "quoted", name | 2026-11-01 00:00:10.000`,
		"NULL |  | NULL",
		"1000 |  | 2026-11-01 00:00:10.000",
		`2 | plain"quote | NULL`,
	}, rows)
}

func TestCSVDecodeOptions(t *testing.T) {
	opts := CSVOptions{FieldDelimiter: ';', QuoteCharacter: '\'', NullLiteral: "n/a", HasNullLiteral: true, IgnoreParseErrors: true}
	rows, errs := decodeCSV(t, csvSchema, opts, `1.5;'x;y';n/a`, `abc;n/a;'n/a'`)
	assert.NoError(t, errs[0])
	assert.NoError(t, errs[1])
	assert.Equal(t, []string{"1.5 | x;y | NULL", "NULL | NULL | NULL"}, rows)

	_, err := NewCSVDecoder(csvSchema, newMem(t), CSVOptions{Columns: []string{"price", "name"}})
	assert.ErrorContains(t, err, `column "ts" is not one of the table's columns`)
}
