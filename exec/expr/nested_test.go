package expr

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	strList   = arrow.ListOf(String)
	pointType = arrow.StructOf(arrow.Field{Name: "x", Type: Double, Nullable: true}, arrow.Field{Name: "y", Type: Double, Nullable: true})
	strBigMap = arrow.MapOf(String, BigInt)
	intStrMap = arrow.MapOf(Int, String)
)

func fromJSON(t testing.TB, mem memory.Allocator, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	require.NoError(t, err)
	return a
}

// nestedBatch has columns a ARRAY<STRING>, b MAP<STRING, BIGINT>, c ARRAY<ROW<x, y>>,
// d MAP<INT, STRING>, e BIGINT; four rows.
func nestedBatch(t testing.TB, mem memory.Allocator) arrow.RecordBatch {
	return batchOf(
		fromJSON(t, mem, strList, `[["a","b"], [], null, [null,"z"]]`),
		fromJSON(t, mem, strBigMap, `[[{"key":"k","value":1},{"key":"j","value":null}], [], null, [{"key":"k","value":2},{"key":"k","value":3}]]`),
		fromJSON(t, mem, arrow.ListOf(pointType), `[[{"x":1,"y":2}], [{"x":3,"y":null},null], null, []]`),
		fromJSON(t, mem, intStrMap, `[[{"key":1,"value":"one"}], [{"key":2,"value":"two"}], null, []]`),
		fromJSON(t, mem, BigInt, `[1, 2, null, 0]`),
	)
}

func evalJSON(t testing.TB, mem memory.Allocator, e Expr, b arrow.RecordBatch) string {
	t.Helper()
	ev, err := Compile(e, mem)
	require.NoError(t, err)
	out, err := ev.Eval(b)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, int(b.NumRows()), out.Len())
	require.True(t, arrow.TypeEqual(e.Type(), out.DataType()), "type %s vs %s", e.Type(), out.DataType())
	js, err := out.MarshalJSON()
	require.NoError(t, err)
	return strings.ReplaceAll(string(js), "\n", "")
}

func TestNestedItem(t *testing.T) {
	mem := checkedMem(t)
	b := nestedBatch(t, mem)
	defer b.Release()
	a, m, c, d, e := col(0, strList), col(1, strBigMap), col(2, arrow.ListOf(pointType)), col(3, intStrMap), col(4, BigInt)
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{mustCall(t, "__item", a, lit(1)), `["a",null,null,null]`},
		{mustCall(t, "__item", a, lit(2)), `["b",null,null,"z"]`},
		{mustCall(t, "__item", a, lit(0)), `[null,null,null,null]`},
		{mustCall(t, "__item", a, lit(-1)), `[null,null,null,null]`},
		{mustCall(t, "__item", a, e), `["a",null,null,null]`},
		{mustCall(t, "__item", a, lit(nil)), `[null,null,null,null]`},
		{mustCall(t, "__item", m, lit("k")), `[1,null,null,3]`},
		{mustCall(t, "__item", m, lit("j")), `[null,null,null,null]`},
		{mustCall(t, "__item", m, lit(nil)), `[null,null,null,null]`},
		{mustCall(t, "__item", d, lit(2)), `[null,"two",null,null]`},
		{mustCall(t, "__item", d, e), `["one","two",null,null]`},
		{mustCall(t, "__item", c, lit(1)), `[{"x":1,"y":2},{"x":3,"y":null},null,null]`},
		{mustCall(t, "__item", c, lit(2)), `[null,null,null,null]`},
		{mustCall(t, "cardinality", a), `[2,0,null,2]`},
		{mustCall(t, "cardinality", m), `[2,0,null,2]`},
		{mustCall(t, "element", a), `[null,null,null,null]`},
		{mustCall(t, "element", c), `[{"x":1,"y":2},null,null,null]`},
		{mustCall(t, "__item", a, mustCall(t, "cardinality", a)), `["b",null,null,"z"]`},
	} {
		assert.Equal(t, tc.want, evalJSON(t, mem, tc.e, b), tc.e.String())
	}
	// A sliced batch: offsets are honoured.
	sl := b.NewSlice(1, 4)
	defer sl.Release()
	assert.Equal(t, `[null,null,"z"]`, evalJSON(t, mem, mustCall(t, "__item", a, lit(2)), sl))
	assert.Equal(t, `[null,null,3]`, evalJSON(t, mem, mustCall(t, "__item", m, lit("k")), sl))
	assert.Equal(t, `[0,null,2]`, evalJSON(t, mem, mustCall(t, "cardinality", m), sl))
}

func TestNestedTypeErrors(t *testing.T) {
	a, m := col(0, strList), col(1, strBigMap)
	for _, tc := range []struct {
		fn   string
		args []Expr
		msg  string
	}{
		{"__item", []Expr{a, lit("x")}, "an ARRAY subscript must be an integer (1-based), got STRING: a['x']"},
		{"__item", []Expr{m, lit(1)}, "a key of MAP<STRING, BIGINT> must be STRING, got BIGINT: b[1]"},
		{"__item", []Expr{lit("s"), lit(1)}, "'s' is STRING; [] applies to ARRAY and MAP values"},
		{"cardinality", []Expr{lit("s")}, "CARDINALITY: argument 1 must be ARRAY or MAP, got STRING"},
		{"element", []Expr{m}, "ELEMENT: argument 1 must be ARRAY, got MAP<STRING, BIGINT>"},
	} {
		_, err := NewCall(tc.fn, tc.args...)
		assert.EqualError(t, err, tc.msg)
	}
	e := mustCall(t, "__item", a, lit(1))
	assert.True(t, arrow.TypeEqual(String, e.Type()))
	e = mustCall(t, "cardinality", lit(nil))
	assert.True(t, arrow.TypeEqual(Int, e.Type()))
	_, ok := Lookup("cardinality")
	assert.True(t, ok)
}
