package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func TestCompareColumnLiteral(t *testing.T) {
	vals := []any{1, nil, 9000, 9001, -5}
	for op, want := range map[string][]any{
		"=":  {false, nil, true, false, false},
		"<>": {true, nil, false, true, true},
		"<":  {true, nil, false, false, true},
		"<=": {true, nil, true, false, true},
		">":  {false, nil, false, true, false},
		">=": {false, nil, true, true, false},
	} {
		require.Equal(t, want, overColumn(t, BigInt, vals, op, 9000), op)
		// literal on the left flips the operator
		mem := checkedMem(t)
		b := batchOf(build(mem, BigInt, vals...))
		flipped := mustCall(t, cmpOps[op].flip().name(), lit(9000), col(0, BigInt))
		require.Equal(t, want, evalRows(t, mem, flipped, b), "flipped "+op)
		b.Release()
	}
}

func (o cmpOp) name() string {
	for k, v := range cmpOps {
		if v == o {
			return k
		}
	}
	return ""
}

func TestCompareMixedTypes(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(
		build(mem, Int, 1, 2, nil, 4),
		build(mem, Double, 1.0, 1.5, 3.0, nil),
		build(mem, arrow.PrimitiveTypes.Int8, 1, 3, 3, 3),
	)
	defer b.Release()
	require.Equal(t, []any{true, false, nil, nil}, evalRows(t, mem, mustCall(t, "=", col(0, Int), col(1, Double)), b))
	require.Equal(t, []any{false, true, nil, nil}, evalRows(t, mem, mustCall(t, ">", col(0, Int), col(1, Double)), b))
	require.Equal(t, []any{true, true, nil, false}, evalRows(t, mem, mustCall(t, "<", col(0, Int), lit(3.5)), b))
	require.Equal(t, []any{false, true, nil, false}, evalRows(t, mem, mustCall(t, "<", col(0, Int), col(2, arrow.PrimitiveTypes.Int8)), b))
	// the INT column is widened to DOUBLE
	e := mustCall(t, "=", col(0, Int), col(1, Double))
	require.Equal(t, "(CAST(a AS DOUBLE) = b)", e.String())
}

func TestCompareStringsBoolsDecimals(t *testing.T) {
	require.Equal(t, []any{true, false, nil, true}, overColumn(t, String, []any{"apple", "banana", nil, ""}, "<", "b"))
	require.Equal(t, []any{false, true, nil, false}, overColumn(t, String, []any{"apple", "banana", nil, ""}, "=", "banana"))
	require.Equal(t, []any{true, false, nil}, overColumn(t, Bool, []any{true, false, nil}, "=", true))
	require.Equal(t, []any{false, true, nil}, overColumn(t, Bool, []any{true, false, nil}, "<", true))
	dec := Decimal(10, 2)
	require.Equal(t, []any{false, true, nil}, overColumn(t, dec, []any{"1.50", "2.25", nil}, ">", 2))
	require.Equal(t, []any{true, false, nil}, overColumn(t, dec, []any{"1.50", "2.25", nil}, "=", 1.5))

	mem := checkedMem(t)
	b := batchOf(build(mem, String, "a", "b", nil, "c"), build(mem, String, "a", "a", "x", nil))
	defer b.Release()
	require.Equal(t, []any{true, false, nil, nil}, evalRows(t, mem, mustCall(t, "=", col(0, String), col(1, String)), b))
	require.Equal(t, []any{false, true, nil, nil}, evalRows(t, mem, mustCall(t, ">", col(0, String), col(1, String)), b))
}

func TestCompareTimestampWithString(t *testing.T) {
	e := mustCall(t, ">=", col(0, Timestamp), lit("2026-11-01 00:00:10"))
	// the string literal is parsed once, at plan time
	require.IsType(t, &Literal{}, e.(*Call).Args[1])
	got := overColumn(t, Timestamp, []any{"2026-11-01 00:00:09.999", "2026-11-01 00:00:10", nil, "2027-01-01 00:00:00"}, ">=", "2026-11-01 00:00:10")
	require.Equal(t, []any{false, true, nil, true}, got)
	got = overColumn(t, TimestampLTZ, []any{"2026-11-01 00:00:09.999", "2026-11-01T00:00:10Z"}, "=", tsLit("2026-11-01 00:00:10"))
	require.Equal(t, []any{false, true}, got)
	require.Equal(t, []any{true, false}, overColumn(t, Date, []any{20000, 30000}, "<", "2026-01-01"))
}

func TestCompareErrors(t *testing.T) {
	_, err := NewCall(">", col(0, String), col(1, BigInt))
	var te *TypeError
	require.ErrorAs(t, err, &te)
	require.Equal(t, "cannot compare STRING with BIGINT; CAST one side", err.Error())
	_, err = NewCall("=", col(0, Bool), lit(1))
	require.ErrorAs(t, err, &te)
	_, err = NewCall("=", col(0, BigInt))
	require.ErrorAs(t, err, &te)
}

func TestCompareNullLiteral(t *testing.T) {
	require.Equal(t, []any{nil, nil}, overColumn(t, BigInt, []any{1, nil}, "=", nil))
	require.Nil(t, scalar(t, "=", nil, nil))
	e := mustCall(t, "=", col(0, String), lit(nil))
	require.Equal(t, String, e.(*Call).Args[1].Type())
}

func TestDistinctFrom(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, 1, nil, nil), build(mem, BigInt, 1, 2, 1, nil))
	defer b.Release()
	require.Equal(t, []any{false, true, true, false}, evalRows(t, mem, mustCall(t, "is_distinct_from", col(0, BigInt), col(1, BigInt)), b))
	require.Equal(t, []any{true, false, false, true}, evalRows(t, mem, mustCall(t, "is_not_distinct_from", col(0, BigInt), col(1, BigInt)), b))
}

func TestCompareFoldsConstants(t *testing.T) {
	e := mustCall(t, "<", lit(1), lit(2.5))
	require.Equal(t, &Literal{Value: true, T: Bool}, e)
}
