package expr

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundHalfUp(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int
		want float64
	}{
		{2.5, 0, 3}, {-2.5, 0, -3}, {0.5, 0, 1}, {-0.5, 0, -1}, {1.005, 2, 1.01}, {-1.005, 2, -1.01},
		{1.2345, 3, 1.235}, {1234.5, -2, 1200}, {1250, -2, 1300}, {-1250, -2, -1300}, {0.285, 2, 0.29}, {1.4999, 0, 1},
	} {
		require.Equal(t, c.want, scalar(t, "round", c.x, c.d), "round(%v, %d)", c.x, c.d)
	}
	require.Equal(t, 3.0, scalar(t, "round", 2.5))
	require.Equal(t, int64(1300), scalar(t, "round", 1250, -2))
	require.Equal(t, int64(-1300), scalar(t, "round", -1250, -2))
	require.Equal(t, int64(-1200), scalar(t, "round", -1249, -2))
	require.Equal(t, int64(7), scalar(t, "round", 7, 2))
	require.Nil(t, scalar(t, "round", nil, 2))
	require.Equal(t, 1.23, scalar(t, "truncate", 1.239, 2))
	require.Equal(t, []any{"1.3", "-1.3", nil}, overColumn(t, Decimal(10, 2), []any{"1.25", "-1.25", nil}, "round", 1))
	e := mustCall(t, "round", col(0, Decimal(10, 2)), lit(1))
	require.Equal(t, "DECIMAL(10, 1)", TypeName(e.Type()))
	require.Equal(t, []any{"1", "-2"}, overColumn(t, Decimal(10, 2), []any{"1.49", "-1.50"}, "round"))
}

func TestMathFunctions(t *testing.T) {
	require.Equal(t, []any{2.0, -2.0, nil}, overColumn(t, Double, []any{2.5, -1.5, nil}, "floor"))
	require.Equal(t, []any{3.0, -1.0, nil}, overColumn(t, Double, []any{2.5, -1.5, nil}, "ceil"))
	require.Equal(t, 3.0, scalar(t, "ceiling", 2.1))
	require.Equal(t, int64(5), scalar(t, "floor", 5))
	require.Equal(t, []any{"2", "-2"}, overColumn(t, Decimal(5, 2), []any{"2.50", "-1.50"}, "floor"))
	require.Equal(t, []any{"3", "-1"}, overColumn(t, Decimal(5, 2), []any{"2.50", "-1.50"}, "ceil"))
	require.Equal(t, []any{int64(5), int64(5), nil}, overColumn(t, BigInt, []any{-5, 5, nil}, "abs"))
	require.Equal(t, []any{int64(-1), int64(0), int64(1)}, overColumn(t, BigInt, []any{-5, 0, 5}, "sign"))
	require.Equal(t, []any{-1.0, 1.0}, overColumn(t, Double, []any{-0.5, 3.0}, "sign"))
	require.Equal(t, []any{"1.50"}, overColumn(t, Decimal(5, 2), []any{"-1.50"}, "abs"))
	require.Equal(t, 8.0, scalar(t, "power", 2, 3))
	require.Equal(t, 8.0, scalar(t, "pow", 2.0, 3))
	require.Equal(t, 3.0, scalar(t, "sqrt", 9))
	require.True(t, math.IsNaN(scalar(t, "sqrt", -1).(float64)))
	require.Equal(t, 1.0, scalar(t, "ln", math.E))
	require.Equal(t, 2.0, scalar(t, "log10", 100))
	require.Equal(t, 3.0, scalar(t, "log", 2, 8))
	require.Equal(t, 1.0, scalar(t, "exp", 0))
	require.Nil(t, scalar(t, "mod", 5, 0))
	require.Equal(t, int64(-1), scalar(t, "mod", -7, 3))
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, 2, 3))
	defer b.Release()
	for _, r := range evalRows(t, mem, mustCall(t, "rand"), b) {
		require.True(t, r.(float64) >= 0 && r.(float64) < 1)
	}
	_, err := NewCall("sqrt", lit("x"))
	require.Error(t, err)
}
