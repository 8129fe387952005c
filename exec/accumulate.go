package exec

import (
	"fmt"
	"math/big"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// AggKind names an aggregate function.
type AggKind uint8

const (
	AggCountStar AggKind = iota // COUNT(*)
	AggCount                    // COUNT(x): non-NULL values
	AggSum
	AggMin
	AggMax
	AggAvg
)

var aggNames = [...]string{"COUNT(*)", "COUNT", "SUM", "MIN", "MAX", "AVG"}

func (k AggKind) String() string { return aggNames[k] }

// AggSpec is one aggregate call of an aggregation operator. Arg and Filter are column
// indexes of the operator's input (-1 for none): the planner projects argument and
// FILTER (WHERE ...) expressions into columns first.
type AggSpec struct {
	Kind     AggKind
	Arg      int
	Distinct bool
	Filter   int
	Name     string         // output column name
	Type     arrow.DataType // result type (COUNT: Int64; SUM/MIN/MAX/AVG: see AggResultType)
}

// AggResultType is Flink's result type of an aggregate over an argument of type arg.
func AggResultType(k AggKind, arg arrow.DataType) (arrow.DataType, error) {
	switch k {
	case AggCountStar, AggCount:
		return arrow.PrimitiveTypes.Int64, nil
	case AggMin, AggMax:
		if arg.ID() == arrow.BOOL || isIntLike(arg) || isFloat(arg) || arg.ID() == arrow.STRING || arg.ID() == arrow.DECIMAL128 {
			return arg, nil
		}
	case AggSum, AggAvg:
		switch {
		case isInteger(arg), isFloat(arg):
			return arg, nil
		case arg.ID() == arrow.DECIMAL128:
			d := arg.(*arrow.Decimal128Type)
			if k == AggSum {
				return &arrow.Decimal128Type{Precision: 38, Scale: d.Scale}, nil
			}
			return &arrow.Decimal128Type{Precision: 38, Scale: max(d.Scale, 6)}, nil
		}
	}
	return nil, fmt.Errorf("%s does not accept an argument of type %s", k, arg)
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// isIntLike: types whose values are int64-representable and ordered as such.
func isIntLike(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return true
	}
	return isInteger(t)
}

func isFloat(t arrow.DataType) bool { return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64 }

// accumulator keeps one aggregate's state for every group, in vectors indexed by group id.
// update adds the rows whose groups[i] >= 0; arg is nil for COUNT(*).
type accumulator interface {
	grow(n int)
	reset(g int32)
	update(arg arrow.Array, groups []int32)
	merge(dst, src int32)
	emit(b array.Builder, g int32)
	// stateRefs points at the state vectors, for snapshots (gob-encoded in this order).
	stateRefs() []any
}

func newAccumulator(spec AggSpec, argType arrow.DataType) (accumulator, error) {
	switch spec.Kind {
	case AggCountStar:
		return &countAcc{star: true}, nil
	case AggCount:
		return &countAcc{}, nil
	case AggSum, AggAvg:
		avg := spec.Kind == AggAvg
		switch {
		case isInteger(argType):
			return newIntSum(avg), nil
		case isFloat(argType):
			return newFloatSum(avg), nil
		case argType.ID() == arrow.DECIMAL128:
			return &sumDecimalAcc{avg: avg, inScale: argType.(*arrow.Decimal128Type).Scale, outScale: spec.Type.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggMin, AggMax:
		isMax := spec.Kind == AggMax
		switch {
		case isIntLike(argType) || argType.ID() == arrow.BOOL:
			return &minMaxAcc[int64]{max: isMax, kind: intKind}, nil
		case isFloat(argType):
			return &minMaxAcc[float64]{max: isMax, kind: floatKind}, nil
		case argType.ID() == arrow.STRING:
			return &minMaxStringAcc{max: isMax}, nil
		case argType.ID() == arrow.DECIMAL128:
			return &minMaxDecimalAcc{max: isMax}, nil
		}
	}
	return nil, fmt.Errorf("%s does not accept an argument of type %s", spec.Kind, argType)
}

func growTo[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		return s[:n]
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}

type countAcc struct {
	star   bool
	counts []int64
}

func (a *countAcc) grow(n int)       { a.counts = growTo(a.counts, n) }
func (a *countAcc) reset(g int32)    { a.counts[g] = 0 }
func (a *countAcc) merge(d, s int32) { a.counts[d] += a.counts[s] }
func (a *countAcc) emit(b array.Builder, g int32) {
	b.(*array.Int64Builder).Append(a.counts[g])
}
func (a *countAcc) stateRefs() []any { return []any{&a.counts} }
func (a *countAcc) update(arg arrow.Array, groups []int32) {
	c := a.counts
	if a.star || arg.NullN() == 0 {
		for _, g := range groups {
			if g >= 0 {
				c[g]++
			}
		}
		return
	}
	for i, g := range groups {
		if g >= 0 && arg.IsValid(i) {
			c[g]++
		}
	}
}

// int64s views an integer-like array as int64 values, converting narrower types.
func int64s(arr arrow.Array, scratch []int64) []int64 {
	switch a := arr.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		v := a.TimestampValues()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	case *array.Duration:
		v := a.DurationValues()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	case *array.Date64:
		v := a.Date64Values()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	}
	n := arr.Len()
	scratch = growTo(scratch[:0], n)
	for i := 0; i < n; i++ {
		switch a := arr.(type) {
		case *array.Int32:
			scratch[i] = int64(a.Value(i))
		case *array.Int16:
			scratch[i] = int64(a.Value(i))
		case *array.Int8:
			scratch[i] = int64(a.Value(i))
		case *array.Uint64:
			scratch[i] = int64(a.Value(i))
		case *array.Uint32:
			scratch[i] = int64(a.Value(i))
		case *array.Uint16:
			scratch[i] = int64(a.Value(i))
		case *array.Uint8:
			scratch[i] = int64(a.Value(i))
		case *array.Date32:
			scratch[i] = int64(a.Value(i))
		case *array.Time32:
			scratch[i] = int64(a.Value(i))
		case *array.Time64:
			scratch[i] = int64(a.Value(i))
		case *array.Boolean:
			if a.Value(i) {
				scratch[i] = 1
			} else {
				scratch[i] = 0
			}
		}
	}
	return scratch
}

func float64s(arr arrow.Array, scratch []float64) []float64 {
	switch a := arr.(type) {
	case *array.Float64:
		return a.Float64Values()
	case *array.Float32:
		n := a.Len()
		scratch = growTo(scratch[:0], n)
		for i := 0; i < n; i++ {
			scratch[i] = float64(a.Value(i))
		}
	}
	return scratch
}

// appendInt64 appends v to an integer-like builder of any width.
func appendInt64(b array.Builder, v int64) {
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(v)
	case *array.Int32Builder:
		bb.Append(int32(v))
	case *array.Int16Builder:
		bb.Append(int16(v))
	case *array.Int8Builder:
		bb.Append(int8(v))
	case *array.Uint64Builder:
		bb.Append(uint64(v))
	case *array.Uint32Builder:
		bb.Append(uint32(v))
	case *array.Uint16Builder:
		bb.Append(uint16(v))
	case *array.Uint8Builder:
		bb.Append(uint8(v))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v))
	case *array.Date64Builder:
		bb.Append(arrow.Date64(v))
	case *array.Time32Builder:
		bb.Append(arrow.Time32(v))
	case *array.Time64Builder:
		bb.Append(arrow.Time64(v))
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(v))
	case *array.BooleanBuilder:
		bb.Append(v != 0)
	default:
		panic(fmt.Sprintf("exec: appendInt64 to %T", b))
	}
}

func appendFloat64(b array.Builder, v float64) {
	switch bb := b.(type) {
	case *array.Float64Builder:
		bb.Append(v)
	case *array.Float32Builder:
		bb.Append(float32(v))
	default:
		panic(fmt.Sprintf("exec: appendFloat64 to %T", b))
	}
}

type sumDecimalAcc struct {
	avg               bool
	inScale, outScale int32
	sums              []decimal128.Num
	counts            []int64
}

func (a *sumDecimalAcc) grow(n int)    { a.sums = growTo(a.sums, n); a.counts = growTo(a.counts, n) }
func (a *sumDecimalAcc) reset(g int32) { a.sums[g], a.counts[g] = decimal128.Num{}, 0 }
func (a *sumDecimalAcc) merge(d, s int32) {
	a.sums[d] = a.sums[d].Add(a.sums[s])
	a.counts[d] += a.counts[s]
}
func (a *sumDecimalAcc) stateRefs() []any { return []any{&decimalVec{&a.sums}, &a.counts} }
func (a *sumDecimalAcc) update(arg arrow.Array, groups []int32) {
	d := arg.(*array.Decimal128)
	for i, g := range groups {
		if g >= 0 && d.IsValid(i) {
			a.sums[g] = a.sums[g].Add(d.Value(i))
			a.counts[g]++
		}
	}
}
func (a *sumDecimalAcc) emit(b array.Builder, g int32) {
	if a.counts[g] == 0 {
		b.AppendNull()
		return
	}
	bb := b.(*array.Decimal128Builder)
	if !a.avg {
		bb.Append(a.sums[g])
		return
	}
	bb.Append(decimalAvg(a.sums[g], a.counts[g], a.inScale, a.outScale))
}

// decimalAvg is sum / n at scale outScale (sum has scale inScale <= outScale), rounded half
// away from zero.
func decimalAvg(sum decimal128.Num, n int64, inScale, outScale int32) decimal128.Num {
	x := sum.BigInt()
	x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(outScale-inScale)), nil))
	c := big.NewInt(n)
	q, r := new(big.Int).QuoRem(x, c, new(big.Int))
	if r.Mul(r, big.NewInt(2)).Abs(r).Cmp(c) >= 0 {
		if x.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return decimal128.FromBigInt(q)
}

type minMaxStringAcc struct {
	max  bool
	vals []string
	has  []bool
}

func (a *minMaxStringAcc) grow(n int)       { a.vals = growTo(a.vals, n); a.has = growTo(a.has, n) }
func (a *minMaxStringAcc) reset(g int32)    { a.vals[g], a.has[g] = "", false }
func (a *minMaxStringAcc) stateRefs() []any { return []any{&a.vals, &a.has} }
func (a *minMaxStringAcc) put(g int32, v string) {
	if !a.has[g] || (a.max && v > a.vals[g]) || (!a.max && v < a.vals[g]) {
		a.vals[g], a.has[g] = string([]byte(v)), true // copy: v points into a batch buffer
	}
}
func (a *minMaxStringAcc) merge(d, s int32) {
	if a.has[s] {
		a.put(d, a.vals[s])
	}
}
func (a *minMaxStringAcc) update(arg arrow.Array, groups []int32) {
	s := arg.(*array.String)
	for i, g := range groups {
		if g >= 0 && s.IsValid(i) {
			a.put(g, s.Value(i))
		}
	}
}
func (a *minMaxStringAcc) emit(b array.Builder, g int32) {
	if !a.has[g] {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(a.vals[g])
}

type minMaxDecimalAcc struct {
	max  bool
	vals []decimal128.Num
	has  []bool
}

func (a *minMaxDecimalAcc) grow(n int)       { a.vals = growTo(a.vals, n); a.has = growTo(a.has, n) }
func (a *minMaxDecimalAcc) reset(g int32)    { a.vals[g], a.has[g] = decimal128.Num{}, false }
func (a *minMaxDecimalAcc) stateRefs() []any { return []any{&decimalVec{&a.vals}, &a.has} }
func (a *minMaxDecimalAcc) put(g int32, v decimal128.Num) {
	if !a.has[g] || (a.max && v.Greater(a.vals[g])) || (!a.max && v.Less(a.vals[g])) {
		a.vals[g], a.has[g] = v, true
	}
}
func (a *minMaxDecimalAcc) merge(d, s int32) {
	if a.has[s] {
		a.put(d, a.vals[s])
	}
}
func (a *minMaxDecimalAcc) update(arg arrow.Array, groups []int32) {
	d := arg.(*array.Decimal128)
	for i, g := range groups {
		if g >= 0 && d.IsValid(i) {
			a.put(g, d.Value(i))
		}
	}
}
func (a *minMaxDecimalAcc) emit(b array.Builder, g int32) {
	if !a.has[g] {
		b.AppendNull()
		return
	}
	b.(*array.Decimal128Builder).Append(a.vals[g])
}

// bulkEmitter is implemented by accumulators that can append many groups' results at once
// (one AppendValues instead of a call per group). emitAll returns false when b is not of the
// builder type it handles; the caller then falls back to emit per group.
type bulkEmitter interface {
	emitAll(b array.Builder, gs []int32) bool
}

func (a *countAcc) emitAll(b array.Builder, gs []int32) bool {
	ib, ok := b.(*array.Int64Builder)
	if !ok {
		return false
	}
	vals := make([]int64, len(gs))
	for i, g := range gs {
		vals[i] = a.counts[g]
	}
	ib.AppendValues(vals, nil)
	return true
}

// number is the value type of the numeric accumulators: every integer-like SQL type is
// summed and compared as int64, FLOAT and DOUBLE as float64.
type number interface{ int64 | float64 }

// numberKind reads an array's values as T and writes T results to a builder, for one T.
type numberKind[T number] struct {
	values    func(arr arrow.Array, scratch []T) []T
	appendOne func(b array.Builder, v T)
	// appendAll appends vals (valid marks non-NULL) when b is the builder it handles.
	appendAll func(b array.Builder, vals []T, valid []bool) bool
}

var intKind = &numberKind[int64]{
	values:    int64s,
	appendOne: appendInt64,
	appendAll: func(b array.Builder, vals []int64, valid []bool) bool {
		ib, ok := b.(*array.Int64Builder)
		if ok {
			ib.AppendValues(vals, valid)
		}
		return ok
	},
}

var floatKind = &numberKind[float64]{
	values:    float64s,
	appendOne: appendFloat64,
	appendAll: func(b array.Builder, vals []float64, valid []bool) bool {
		fb, ok := b.(*array.Float64Builder)
		if ok {
			fb.AppendValues(vals, valid)
		}
		return ok
	},
}

// sumAcc is SUM and AVG. AVG of an integer type truncates toward zero, as in Flink.
type sumAcc[T number] struct {
	avg     bool
	kind    *numberKind[T]
	sums    []T
	counts  []int64
	scratch []T
}

func newIntSum(avg bool) *sumAcc[int64]     { return &sumAcc[int64]{avg: avg, kind: intKind} }
func newFloatSum(avg bool) *sumAcc[float64] { return &sumAcc[float64]{avg: avg, kind: floatKind} }

func (a *sumAcc[T]) grow(n int)    { a.sums = growTo(a.sums, n); a.counts = growTo(a.counts, n) }
func (a *sumAcc[T]) reset(g int32) { a.sums[g], a.counts[g] = 0, 0 }
func (a *sumAcc[T]) merge(d, s int32) {
	a.sums[d] += a.sums[s]
	a.counts[d] += a.counts[s]
}
func (a *sumAcc[T]) stateRefs() []any { return []any{&a.sums, &a.counts} }

func (a *sumAcc[T]) update(arg arrow.Array, groups []int32) {
	vals := a.kind.values(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.sums[g] += vals[i]
			a.counts[g]++
		}
	}
}

func (a *sumAcc[T]) result(g int32) (T, bool) {
	c := a.counts[g]
	if c == 0 {
		return 0, false
	}
	if a.avg {
		return a.sums[g] / T(c), true
	}
	return a.sums[g], true
}

func (a *sumAcc[T]) emit(b array.Builder, g int32) {
	if v, ok := a.result(g); ok {
		a.kind.appendOne(b, v)
		return
	}
	b.AppendNull()
}

func (a *sumAcc[T]) emitAll(b array.Builder, gs []int32) bool {
	vals := make([]T, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		vals[i], valid[i] = a.result(g)
	}
	return a.kind.appendAll(b, vals, valid)
}

// minMaxAcc is MIN and MAX over numbers (and BOOLEAN, TIMESTAMP, DATE as int64).
type minMaxAcc[T number] struct {
	max     bool
	kind    *numberKind[T]
	vals    []T
	has     []bool
	scratch []T
}

func (a *minMaxAcc[T]) grow(n int)       { a.vals = growTo(a.vals, n); a.has = growTo(a.has, n) }
func (a *minMaxAcc[T]) reset(g int32)    { a.vals[g], a.has[g] = 0, false }
func (a *minMaxAcc[T]) stateRefs() []any { return []any{&a.vals, &a.has} }

func (a *minMaxAcc[T]) put(g int32, v T) {
	cur := a.vals[g]
	// cur != cur only for a float NaN: any number replaces it.
	if !a.has[g] || (a.max && v > cur) || (!a.max && v < cur) || cur != cur {
		a.vals[g], a.has[g] = v, true
	}
}

func (a *minMaxAcc[T]) merge(d, s int32) {
	if a.has[s] {
		a.put(d, a.vals[s])
	}
}

func (a *minMaxAcc[T]) update(arg arrow.Array, groups []int32) {
	vals := a.kind.values(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.put(g, vals[i])
		}
	}
}

func (a *minMaxAcc[T]) emit(b array.Builder, g int32) {
	if !a.has[g] {
		b.AppendNull()
		return
	}
	a.kind.appendOne(b, a.vals[g])
}

func (a *minMaxAcc[T]) emitAll(b array.Builder, gs []int32) bool {
	vals := make([]T, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		vals[i], valid[i] = a.vals[g], a.has[g]
	}
	return a.kind.appendAll(b, vals, valid)
}
