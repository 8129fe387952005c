package expr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCoalesceNullifIf(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, nil, nil, 4), build(mem, Double, 9.5, 2.5, nil, 4.0), build(mem, Bool, true, false, nil, true))
	defer b.Release()
	x, y, c := col(0, BigInt), col(1, Double), col(2, Bool)
	require.Equal(t, []any{1.0, 2.5, nil, 4.0}, evalRows(t, mem, mustCall(t, "coalesce", x, y), b))
	require.Equal(t, []any{1.0, 2.5, -1.0, 4.0}, evalRows(t, mem, mustCall(t, "coalesce", x, y, lit(-1)), b))
	require.Equal(t, []any{int64(1), int64(0), int64(0), int64(4)}, evalRows(t, mem, mustCall(t, "ifnull", x, lit(0)), b))
	require.Equal(t, []any{1.0, nil, nil, nil}, evalRows(t, mem, mustCall(t, "nullif", x, y), b))
	require.Equal(t, []any{int64(1), nil, nil, nil}, evalRows(t, mem, mustCall(t, "nullif", x, lit(4)), b))
	require.Equal(t, []any{"yes", "no", "no", "yes"}, evalRows(t, mem, mustCall(t, "if", c, lit("yes"), lit("no")), b))
	require.Equal(t, []any{1.0, 2.5, nil, 4.0}, evalRows(t, mem, mustCall(t, "if", c, x, y), b))
	require.Equal(t, []any{9.5, nil, nil, 4.0}, evalRows(t, mem, mustCall(t, "greatest", x, y, lit(1)), b))
	require.Equal(t, []any{int64(1), nil, nil, int64(2)}, evalRows(t, mem, mustCall(t, "least", x, lit(2)), b))
	_, err := NewCall("coalesce", x, lit("a"))
	require.Error(t, err)
}

func TestCase(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, 2, 3, nil), build(mem, String, "a", "b", nil, "d"))
	defer b.Release()
	x := col(0, BigInt)
	searched, err := NewCase(nil, []When{
		{Cond: mustCall(t, "<", x, lit(2)), Then: lit("small")},
		{Cond: mustCall(t, "<", x, lit(3)), Then: col(1, String)},
	}, lit("big"))
	require.NoError(t, err)
	require.Equal(t, String, searched.Type())
	require.Equal(t, []any{"small", "b", "big", "big"}, evalRows(t, mem, searched, b))

	simple, err := NewCase(x, []When{{Cond: lit(1), Then: lit(10)}, {Cond: lit(3), Then: lit(2.5)}}, nil)
	require.NoError(t, err)
	require.Equal(t, Double, simple.Type())
	require.Equal(t, []any{10.0, nil, 2.5, nil}, evalRows(t, mem, simple, b))
	require.Equal(t, "CASE a WHEN 1 THEN 10 WHEN 3 THEN 2.5 END", simple.String())

	_, err = NewCase(nil, []When{{Cond: x, Then: lit(1)}}, nil)
	require.EqualError(t, err, "CASE: WHEN condition 1 must be BOOLEAN, got BIGINT")
	_, err = NewCase(x, []When{{Cond: lit("a"), Then: lit(1)}}, nil)
	require.Error(t, err)
}

func TestInBetween(t *testing.T) {
	vals := []any{1, 2, 3, nil, 10}
	require.Equal(t, []any{true, false, true, nil, false}, overColumn(t, BigInt, vals, "in", 1, 3, 5))
	require.Equal(t, []any{false, true, false, nil, true}, overColumn(t, BigInt, vals, "not_in", 1, 3, 5))
	// a NULL in the list: not found is NULL, so NOT IN is never TRUE
	require.Equal(t, []any{true, nil, true, nil, nil}, overColumn(t, BigInt, vals, "in", 1, 3, nil))
	require.Equal(t, []any{false, nil, false, nil, nil}, overColumn(t, BigInt, vals, "not_in", 1, 3, nil))
	require.Equal(t, []any{true, false, nil}, overColumn(t, String, []any{"x", "y", nil}, "in", "x", "z"))
	require.Equal(t, []any{true, true, true, nil, false}, overColumn(t, BigInt, vals, "in", 1.0, 2.0, 3.0))
	// non-constant list: an OR of equalities
	e := mustCall(t, "in", col(0, BigInt), lit(1), col(1, BigInt))
	require.Equal(t, "((a = 1) OR (a = b))", e.String())
	require.Equal(t, []any{false, true, true, nil, false}, overColumn(t, BigInt, vals, "between", 2, 3))
	require.Equal(t, []any{true, false, false, nil, true}, overColumn(t, BigInt, vals, "not_between", 2, 3))
}
