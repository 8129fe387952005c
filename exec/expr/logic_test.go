package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"
)

// The SQL three-valued truth table over every pair of TRUE, FALSE, NULL.
func TestThreeValuedLogic(t *testing.T) {
	mem := checkedMem(t)
	a := []any{true, true, true, false, false, false, nil, nil, nil}
	b := []any{true, false, nil, true, false, nil, true, false, nil}
	batch := batchOf(build(mem, Bool, a...), build(mem, Bool, b...))
	defer batch.Release()
	x, y := col(0, Bool), col(1, Bool)
	require.Equal(t, []any{true, false, nil, false, false, false, nil, false, nil}, evalRows(t, mem, mustCall(t, "and", x, y), batch))
	require.Equal(t, []any{true, true, true, true, false, nil, true, nil, nil}, evalRows(t, mem, mustCall(t, "or", x, y), batch))
	require.Equal(t, []any{false, true, nil, true, false, nil, nil, nil, nil}, evalRows(t, mem, mustCall(t, "xor", x, y), batch))
	require.Equal(t, []any{false, false, false, true, true, true, nil, nil, nil}, evalRows(t, mem, mustCall(t, "not", x), batch))
	require.Equal(t, []any{false, false, false, false, false, false, true, true, true}, evalRows(t, mem, mustCall(t, "is_null", x), batch))
	require.Equal(t, []any{true, true, true, true, true, true, false, false, false}, evalRows(t, mem, mustCall(t, "is_not_null", x), batch))
	require.Equal(t, []any{true, true, true, false, false, false, false, false, false}, evalRows(t, mem, mustCall(t, "is_true", x), batch))
	require.Equal(t, []any{false, false, false, true, true, true, false, false, false}, evalRows(t, mem, mustCall(t, "is_false", x), batch))
	require.Equal(t, []any{false, false, false, true, true, true, true, true, true}, evalRows(t, mem, mustCall(t, "is_not_true", x), batch))
	require.Equal(t, []any{true, true, true, false, false, false, true, true, true}, evalRows(t, mem, mustCall(t, "is_not_false", x), batch))
	// NULL literals
	require.Equal(t, []any{nil, false, nil, nil, false, nil, nil, false, nil}, evalRows(t, mem, mustCall(t, "and", lit(nil), y), batch))
	require.Nil(t, scalar(t, "or", nil, false))
	require.Equal(t, true, scalar(t, "or", nil, true))
	require.Equal(t, false, scalar(t, "and", nil, false))
}

func TestLogicOnSlicedArrays(t *testing.T) {
	mem := checkedMem(t)
	n := 37
	av, bv := make([]any, n), make([]any, n)
	for i := range n {
		switch i % 3 {
		case 0:
			av[i] = true
		case 1:
			av[i] = nil
		default:
			av[i] = false
		}
		bv[i] = i%2 == 0
		if i%5 == 0 {
			bv[i] = nil
		}
	}
	a, b := build(mem, Bool, av...), build(mem, Bool, bv...)
	as, bs := array.NewSlice(a, 3, 30), array.NewSlice(b, 3, 30)
	a.Release()
	b.Release()
	batch := batchOf(as, bs)
	defer batch.Release()
	got := evalRows(t, mem, mustCall(t, "and", col(0, Bool), col(1, Bool)), batch)
	for i := range got {
		x, y := av[i+3], bv[i+3]
		var want any
		switch {
		case x == false || y == false:
			want = false
		case x == nil || y == nil:
			want = nil
		default:
			want = true
		}
		require.Equal(t, want, got[i], "row %d", i)
	}
}

func TestAndOrNary(t *testing.T) {
	e := mustCall(t, "and", col(0, Bool), col(1, Bool), col(2, Bool))
	require.Equal(t, "((a AND b) AND c)", e.String())
	_, err := NewCall("and", col(0, Bool), col(1, BigInt))
	require.Error(t, err)
	_ = arrow.BOOL
}
