package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"
)

func TestSelectFilterTake(t *testing.T) {
	mem := checkedMem(t)
	n := 100
	vals := make([]any, n)
	names := make([]any, n)
	for i := range vals {
		vals[i] = i * 100
		if i%7 == 0 {
			vals[i] = nil
		}
		names[i] = string(rune('a' + i%26))
	}
	b := batchOf(build(mem, BigInt, vals...), build(mem, String, names...))
	defer b.Release()
	ev, err := Compile(mustCall(t, ">", col(0, BigInt), lit(9000)), mem)
	require.NoError(t, err)
	idx, err := Select(ev, b)
	require.NoError(t, err)
	var want []int32
	for i := 91; i < n; i++ {
		if i%7 != 0 {
			want = append(want, int32(i))
		}
	}
	require.Equal(t, want, idx)

	out, err := Filter(mem, ev, b)
	require.NoError(t, err)
	require.EqualValues(t, len(want), out.NumRows())
	require.Equal(t, int64(9200), out.Column(0).(*array.Int64).Value(0))
	require.Equal(t, string(rune('a'+92%26)), out.Column(1).(*array.String).Value(0))
	out.Release()

	// all rows pass: the batch itself comes back
	all, err := Compile(mustCall(t, "is_not_null", col(1, String)), mem)
	require.NoError(t, err)
	same, err := Filter(mem, all, b)
	require.NoError(t, err)
	require.Equal(t, b, same)
	same.Release()

	none, err := Compile(lit(false), mem)
	require.NoError(t, err)
	idx, err = Select(none, b)
	require.NoError(t, err)
	require.Empty(t, idx)
	empty, err := Filter(mem, none, b)
	require.NoError(t, err)
	require.EqualValues(t, 0, empty.NumRows())
	empty.Release()

	// a sliced batch (offset not on a byte boundary)
	sl := b.NewSlice(3, 99)
	defer sl.Release()
	idx, err = Select(ev, sl)
	require.NoError(t, err)
	require.Equal(t, want[0]-3, idx[0])
	require.Len(t, idx, len(want)-1) // row 99 is outside the slice
}

func TestEvalErrors(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1))
	defer b.Release()
	ev, err := Compile(col(3, BigInt), mem)
	require.NoError(t, err)
	_, err = ev.Eval(b)
	require.Error(t, err)
	ev, err = Compile(col(0, String), mem)
	require.NoError(t, err)
	_, err = ev.Eval(b)
	require.Error(t, err)
	_, err = Compile(&Call{Func: "no_such", T: BigInt}, mem)
	require.Error(t, err)
	_, err = SelectMask(b.Column(0))
	require.Error(t, err)
}

func TestColumnIsZeroCopy(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, 2))
	defer b.Release()
	ev, err := Compile(col(0, BigInt), mem)
	require.NoError(t, err)
	out, err := ev.Eval(b)
	require.NoError(t, err)
	require.Same(t, b.Column(0), out)
	out.Release()
}

func TestLiteralBroadcast(t *testing.T) {
	mem := checkedMem(t)
	b := batchOf(build(mem, BigInt, 1, 2, 3))
	defer b.Release()
	for _, l := range []*Literal{
		{Value: "abc", T: String}, {Value: int64(7), T: Int}, {Value: 1.5, T: Double}, {Value: true, T: Bool},
		{T: String}, {Value: int64(20393), T: Date}, {Value: int64(-1), T: Timestamp},
	} {
		rows := evalRows(t, mem, l, b)
		for _, r := range rows {
			require.Equal(t, rows[0], r)
		}
	}
	_ = arrow.INT64
}
