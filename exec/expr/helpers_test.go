package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// build makes an array of type dt from Go values (nil = NULL).
func build(mem memory.Allocator, dt arrow.DataType, vals ...any) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int64Builder:
			b.Append(int64(v.(int)))
		case *array.Int32Builder:
			b.Append(int32(v.(int)))
		case *array.Int8Builder:
			b.Append(int8(v.(int)))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.TimestampBuilder:
			switch v := v.(type) {
			case string:
				ms, ok := ParseTimestamp(v)
				if !ok {
					panic("bad ts " + v)
				}
				b.Append(arrow.Timestamp(ms))
			case int:
				b.Append(arrow.Timestamp(v))
			}
		case *array.Date32Builder:
			b.Append(arrow.Date32(v.(int)))
		case *array.Decimal128Builder:
			n, ok := parseDecimal(v.(string), dt.(*arrow.Decimal128Type).Precision, dt.(*arrow.Decimal128Type).Scale)
			if !ok {
				panic("bad decimal " + v.(string))
			}
			b.Append(n)
		default:
			panic("unsupported builder")
		}
	}
	return b.NewArray()
}

func batchOf(cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	n := 0
	for i, c := range cols {
		fields[i] = arrow.Field{Name: string(rune('a' + i)), Type: c.DataType(), Nullable: true}
		n = c.Len()
	}
	b := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return b
}

func col(i int, t arrow.DataType) *Column {
	return &Column{Index: i, Name: string(rune('a' + i)), T: t}
}

func lit(v any) *Literal {
	switch v := v.(type) {
	case nil:
		return &Literal{T: Null}
	case int:
		return &Literal{Value: int64(v), T: BigInt}
	case int64:
		return &Literal{Value: v, T: BigInt}
	case float64:
		return &Literal{Value: v, T: Double}
	case string:
		return &Literal{Value: v, T: String}
	case bool:
		return &Literal{Value: v, T: Bool}
	case decimal128.Num:
		panic("use a typed literal")
	}
	panic("lit")
}

func mustCall(t testing.TB, fn string, args ...Expr) Expr {
	t.Helper()
	e, err := NewCall(fn, args...)
	require.NoError(t, err)
	return e
}

// evalRows evaluates e over b and returns the rows as Go values: int64, float64, string,
// bool, nil; decimals as strings; timestamps as formatted strings.
func evalRows(t testing.TB, mem memory.Allocator, e Expr, b arrow.RecordBatch) []any {
	t.Helper()
	ev, err := Compile(e, mem)
	require.NoError(t, err)
	out, err := ev.Eval(b)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, int(b.NumRows()), out.Len())
	require.True(t, arrow.TypeEqual(e.Type(), out.DataType()), "type %s vs %s", e.Type(), out.DataType())
	rows := make([]any, out.Len())
	for i := range rows {
		rows[i] = display(out, i)
	}
	return rows
}

func display(a arrow.Array, i int) any {
	v := valueAt(a, i)
	if v == nil {
		return nil
	}
	switch t := a.DataType().(type) {
	case *arrow.Decimal128Type:
		return v.(decimal128.Num).ToString(t.Scale)
	case *arrow.TimestampType:
		return FormatTimestamp(v.(int64))
	}
	return v
}

// evalConst evaluates an expression without columns over a one-row batch.
func evalConst(t testing.TB, e Expr) any {
	t.Helper()
	mem := checkedMem(t)
	b := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer b.Release()
	return evalRows(t, mem, e, b)[0]
}

// scalar evaluates fn over constant arguments (folded at plan time, then broadcast).
func scalar(t testing.TB, fn string, args ...any) any {
	t.Helper()
	es := make([]Expr, len(args))
	for i, a := range args {
		if e, ok := a.(Expr); ok {
			es[i] = e
		} else {
			es[i] = lit(a)
		}
	}
	return evalConst(t, mustCall(t, fn, es...))
}

// overColumn evaluates fn(column, extra...) where the column holds vals of type dt.
func overColumn(t testing.TB, dt arrow.DataType, vals []any, fn string, extra ...any) []any {
	t.Helper()
	mem := checkedMem(t)
	b := batchOf(build(mem, dt, vals...))
	defer b.Release()
	args := []Expr{col(0, dt)}
	for _, a := range extra {
		if e, ok := a.(Expr); ok {
			args = append(args, e)
		} else {
			args = append(args, lit(a))
		}
	}
	return evalRows(t, mem, mustCall(t, fn, args...), b)
}

func tsLit(s string) *Literal {
	ms, ok := ParseTimestamp(s)
	if !ok {
		panic(s)
	}
	return &Literal{Value: ms, T: Timestamp}
}
