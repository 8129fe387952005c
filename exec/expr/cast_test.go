package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func castCol(t *testing.T, from, to arrow.DataType, vals ...any) []any {
	t.Helper()
	mem := checkedMem(t)
	b := batchOf(build(mem, from, vals...))
	defer b.Release()
	e, err := NewCast(col(0, from), to, false)
	require.NoError(t, err)
	return evalRows(t, mem, e, b)
}

func TestCastFromString(t *testing.T) {
	require.Equal(t, []any{int64(42), int64(-7), nil, nil, nil}, castCol(t, String, BigInt, "42", " -7 ", "4.5", "x", nil))
	require.Equal(t, []any{int64(127), nil}, castCol(t, String, arrow.PrimitiveTypes.Int8, "127", "128"))
	require.Equal(t, []any{1.5, 1e3, nil}, castCol(t, String, Double, "1.5", "1e3", "abc"))
	require.Equal(t, []any{true, false, true, nil}, castCol(t, String, Bool, "TRUE", "false", "1", "maybe"))
	require.Equal(t, []any{"12.35", "-0.01", nil}, castCol(t, String, Decimal(10, 2), "12.345", "-0.005", "1e40"))
	require.Equal(t, []any{"2026-11-01 00:00:10.000", "2026-11-01 00:00:10.123", "2026-11-01 00:00:00.000", "2026-11-01 01:00:10.500", nil, nil},
		castCol(t, String, Timestamp, "2026-11-01 00:00:10", "2026-11-01T00:00:10.123Z", "2026-11-01", "2026-11-01T02:00:10.5+01:00", "2026-13-01", "yesterday"))
	require.Equal(t, []any{int64(20393), nil}, castCol(t, String, Date, "2025-11-01", "2025-02-30"))
}

func TestCastToString(t *testing.T) {
	require.Equal(t, []any{"1.5", "1.0", "1.0E7", "1.0E-4", "-0.001", "123456.789", nil},
		castCol(t, Double, String, 1.5, 1.0, 1e7, 1e-4, -0.001, 123456.789, nil))
	require.Equal(t, []any{"42", nil}, castCol(t, BigInt, String, 42, nil))
	require.Equal(t, []any{"TRUE", "FALSE"}, castCol(t, Bool, String, true, false))
	require.Equal(t, []any{"2026-11-01 00:00:10.000", "1969-12-31 23:59:59.999"}, castCol(t, Timestamp, String, "2026-11-01 00:00:10", -1))
	require.Equal(t, []any{"2025-11-01"}, castCol(t, Date, String, 20393))
	require.Equal(t, []any{"-12.30"}, castCol(t, Decimal(5, 2), String, "-12.3"))
}

func TestCastNumbers(t *testing.T) {
	require.Equal(t, []any{int64(1), int64(-1), nil, nil}, castCol(t, Double, BigInt, 1.7, -1.7, 1e30, nil))
	require.Equal(t, []any{int64(1), int64(-1)}, castCol(t, Double, Int, 1.7, -1.7))
	require.Equal(t, []any{1.0, nil}, castCol(t, BigInt, Double, 1, nil))
	require.Equal(t, []any{"1.50", "-2.00"}, castCol(t, Double, Decimal(10, 2), 1.5, -2.0))
	require.Equal(t, []any{1.25}, castCol(t, Decimal(10, 2), Double, "1.25"))
	require.Equal(t, []any{int64(1), int64(-1)}, castCol(t, Decimal(10, 2), BigInt, "1.99", "-1.99"))
	require.Equal(t, []any{"1.3", "-1.3"}, castCol(t, Decimal(10, 2), Decimal(5, 1), "1.25", "-1.25"))
	require.Equal(t, []any{nil}, castCol(t, Decimal(10, 2), Decimal(3, 1), "123.45"))
	require.Equal(t, []any{"42.00"}, castCol(t, BigInt, Decimal(10, 2), 42))
	require.Equal(t, []any{true, false, nil}, castCol(t, BigInt, Bool, 5, 0, nil))
	require.Equal(t, []any{int64(1), int64(0)}, castCol(t, Bool, BigInt, true, false))
}

func TestCastTemporal(t *testing.T) {
	require.Equal(t, []any{int64(20393)}, castCol(t, Timestamp, Date, "2025-11-01 23:59:59"))
	require.Equal(t, []any{"2025-11-01 00:00:00.000"}, castCol(t, Date, Timestamp, 20393))
	require.Equal(t, []any{"2026-11-01 00:00:10.000"}, castCol(t, Timestamp, TimestampLTZ, "2026-11-01 00:00:10"))
	require.Equal(t, []any{int64(1), int64(-1)}, castCol(t, Timestamp, BigInt, 1500, -1))
	require.Equal(t, []any{"1970-01-01 00:00:01.000"}, castCol(t, BigInt, Timestamp, 1))
}

func TestNewCastErrorsAndFolding(t *testing.T) {
	_, err := NewCast(col(0, Bool), Timestamp, false)
	require.EqualError(t, err, "cannot CAST BOOLEAN to TIMESTAMP(3)")
	_, err = NewCast(col(0, Date), BigInt, false)
	require.Error(t, err)
	e, err := NewCast(lit("12"), BigInt, false)
	require.NoError(t, err)
	require.Equal(t, &Literal{Value: int64(12), T: BigInt}, e)
	e, err = NewCast(lit("x"), BigInt, true)
	require.NoError(t, err)
	require.Equal(t, &Literal{T: BigInt}, e)
	e, err = NewCast(col(0, BigInt), String, true)
	require.NoError(t, err)
	require.Equal(t, "TRY_CAST(a AS STRING)", e.String())
	same, err := NewCast(col(0, BigInt), BigInt, false)
	require.NoError(t, err)
	require.Equal(t, col(0, BigInt), same)
}
