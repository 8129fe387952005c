package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func TestIntegerArithmetic(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 7, -7, nil, 5, 9), build(mem, BigInt, 2, 2, 1, 0, nil))
	defer b.Release()
	x, y := col(0, BigInt), col(1, BigInt)
	require.Equal(t, []any{int64(9), int64(-5), nil, int64(5), nil}, evalRows(t, mem, mustCall(t, "+", x, y), b))
	require.Equal(t, []any{int64(5), int64(-9), nil, int64(5), nil}, evalRows(t, mem, mustCall(t, "-", x, y), b))
	require.Equal(t, []any{int64(14), int64(-14), nil, int64(0), nil}, evalRows(t, mem, mustCall(t, "*", x, y), b))
	// INT / INT truncates (Flink); division by zero is NULL
	require.Equal(t, []any{int64(3), int64(-3), nil, nil, nil}, evalRows(t, mem, mustCall(t, "/", x, y), b))
	require.Equal(t, []any{int64(1), int64(-1), nil, nil, nil}, evalRows(t, mem, mustCall(t, "%", x, y), b))
	require.Equal(t, []any{int64(1), int64(-1), nil, nil, nil}, evalRows(t, mem, mustCall(t, "mod", x, y), b))
	require.Equal(t, []any{int64(-7), int64(7), nil, int64(-5), int64(-9)}, evalRows(t, mem, mustCall(t, "neg", x), b))
	// literal fast paths, both sides
	require.Equal(t, []any{int64(17), int64(3), nil, int64(15), int64(19)}, evalRows(t, mem, mustCall(t, "+", x, lit(10)), b))
	require.Equal(t, []any{int64(3), int64(17), nil, int64(5), int64(1)}, evalRows(t, mem, mustCall(t, "-", lit(10), x), b))
	require.Equal(t, []any{nil, nil, nil, nil, nil}, evalRows(t, mem, mustCall(t, "/", x, lit(0)), b))
	require.Equal(t, []any{int64(1), int64(-1), nil, int64(2), int64(1)}, evalRows(t, mem, mustCall(t, "/", lit(10), x), b))
	require.Equal(t, []any{int64(5), int64(5), int64(10), nil, nil}, evalRows(t, mem, mustCall(t, "/", lit(10), y), b))
	require.Equal(t, []any{nil, nil, nil, nil, nil}, evalRows(t, mem, mustCall(t, "+", x, lit(nil)), b))
}

func TestArithmeticTypes(t *testing.T) {
	require.Equal(t, Int, mustCall(t, "+", col(0, Int), col(1, arrow.PrimitiveTypes.Int16)).Type())
	require.Equal(t, BigInt, mustCall(t, "*", col(0, Int), col(1, BigInt)).Type())
	require.Equal(t, Double, mustCall(t, "+", col(0, BigInt), col(1, Double)).Type())
	require.Equal(t, Int, mustCall(t, "/", col(0, Int), col(1, Int)).Type())
	require.Equal(t, "DECIMAL(11, 2)", TypeName(mustCall(t, "+", col(0, Decimal(10, 2)), col(1, Decimal(5, 1))).Type()))
	require.Equal(t, "DECIMAL(22, 2)", TypeName(mustCall(t, "+", col(0, Decimal(10, 2)), col(1, BigInt)).Type()))
	require.Equal(t, "DECIMAL(15, 3)", TypeName(mustCall(t, "*", col(0, Decimal(10, 2)), col(1, Decimal(5, 1))).Type()))
	require.Equal(t, Double, mustCall(t, "*", col(0, Decimal(10, 2)), lit(1.5)).Type())
	_, err := NewCall("+", col(0, String), lit(1))
	require.EqualError(t, err, "cannot apply + to STRING and BIGINT")
}

func TestFloatArithmetic(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, Double, 1.5, -2.0, nil), build(mem, BigInt, 2, 0, 1))
	defer b.Release()
	x, y := col(0, Double), col(1, BigInt)
	require.Equal(t, []any{3.5, -2.0, nil}, evalRows(t, mem, mustCall(t, "+", x, y), b))
	require.Equal(t, []any{0.75, nil, nil}, evalRows(t, mem, mustCall(t, "/", x, y), b))
	require.Equal(t, []any{1.5, nil, nil}, evalRows(t, mem, mustCall(t, "%", x, y), b))
	require.Equal(t, []any{1.35, -1.8, nil}, roundAll(evalRows(t, mem, mustCall(t, "*", x, lit(0.9)), b)))
}

func roundAll(v []any) []any {
	for i, x := range v {
		if f, ok := x.(float64); ok {
			v[i] = roundHalfUp(f, 9)
		}
	}
	return v
}

func TestDecimalArithmetic(t *testing.T) {
	mem := checkedMem(t)
	d1, d2 := Decimal(10, 2), Decimal(5, 1)
	b := batchOf(build(mem, d1, "1.25", "-3.50", nil, "10.00"), build(mem, d2, "2.5", "0.1", "1.0", "0.0"))
	defer b.Release()
	x, y := col(0, d1), col(1, d2)
	require.Equal(t, []any{"3.75", "-3.40", nil, "10.00"}, evalRows(t, mem, mustCall(t, "+", x, y), b))
	require.Equal(t, []any{"-1.25", "-3.60", nil, "10.00"}, evalRows(t, mem, mustCall(t, "-", x, y), b))
	require.Equal(t, []any{"3.125", "-0.350", nil, "0.000"}, evalRows(t, mem, mustCall(t, "*", x, y), b))
	div := mustCall(t, "/", x, y)
	require.Equal(t, "DECIMAL(17, 8)", TypeName(div.Type()))
	require.Equal(t, []any{"0.50000000", "-35.00000000", nil, nil}, evalRows(t, mem, div, b))
	require.Equal(t, []any{"1.25", "0.00", nil, nil}, evalRows(t, mem, mustCall(t, "%", x, y), b))
	require.Equal(t, []any{"-1.25", "3.50", nil, "-10.00"}, evalRows(t, mem, mustCall(t, "neg", x), b))
	require.Equal(t, []any{"0.25", "-4.50", nil, "9.00"}, evalRows(t, mem, mustCall(t, "-", x, lit(1)), b))
}

func TestTimestampPlusInterval(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, Timestamp, "2026-11-01 00:00:10", nil))
	defer b.Release()
	five := &Literal{Value: int64(5000), T: Interval}
	require.Equal(t, []any{"2026-11-01 00:00:15.000", nil}, evalRows(t, mem, mustCall(t, "+", col(0, Timestamp), five), b))
	require.Equal(t, []any{"2026-11-01 00:00:05.000", nil}, evalRows(t, mem, mustCall(t, "-", col(0, Timestamp), five), b))
	e := mustCall(t, "+", five, col(0, Timestamp))
	require.Equal(t, Timestamp, e.Type())
	require.Equal(t, []any{"2026-11-01 00:00:15.000", nil}, evalRows(t, mem, e, b))
}
