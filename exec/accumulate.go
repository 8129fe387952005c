package exec

import (
	"fmt"
	"math"
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
			return &sumIntAcc{avg: avg}, nil
		case isFloat(argType):
			return &sumFloatAcc{avg: avg}, nil
		case argType.ID() == arrow.DECIMAL128:
			return &sumDecimalAcc{avg: avg, inScale: argType.(*arrow.Decimal128Type).Scale, outScale: spec.Type.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggMin, AggMax:
		isMax := spec.Kind == AggMax
		switch {
		case isIntLike(argType) || argType.ID() == arrow.BOOL:
			return &minMaxIntAcc{max: isMax}, nil
		case isFloat(argType):
			return &minMaxFloatAcc{max: isMax}, nil
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

type sumIntAcc struct {
	avg     bool
	sums    []int64
	counts  []int64
	scratch []int64
}

func (a *sumIntAcc) grow(n int)    { a.sums = growTo(a.sums, n); a.counts = growTo(a.counts, n) }
func (a *sumIntAcc) reset(g int32) { a.sums[g], a.counts[g] = 0, 0 }
func (a *sumIntAcc) merge(d, s int32) {
	a.sums[d] += a.sums[s]
	a.counts[d] += a.counts[s]
}
func (a *sumIntAcc) stateRefs() []any { return []any{&a.sums, &a.counts} }
func (a *sumIntAcc) update(arg arrow.Array, groups []int32) {
	vals := int64s(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.sums[g] += vals[i]
			a.counts[g]++
		}
	}
}
func (a *sumIntAcc) emit(b array.Builder, g int32) {
	if a.counts[g] == 0 {
		b.AppendNull()
		return
	}
	if a.avg {
		appendInt64(b, a.sums[g]/a.counts[g]) // Flink: AVG of an integer type truncates
		return
	}
	appendInt64(b, a.sums[g])
}

type sumFloatAcc struct {
	avg     bool
	sums    []float64
	counts  []int64
	scratch []float64
}

func (a *sumFloatAcc) grow(n int)    { a.sums = growTo(a.sums, n); a.counts = growTo(a.counts, n) }
func (a *sumFloatAcc) reset(g int32) { a.sums[g], a.counts[g] = 0, 0 }
func (a *sumFloatAcc) merge(d, s int32) {
	a.sums[d] += a.sums[s]
	a.counts[d] += a.counts[s]
}
func (a *sumFloatAcc) stateRefs() []any { return []any{&a.sums, &a.counts} }
func (a *sumFloatAcc) update(arg arrow.Array, groups []int32) {
	vals := float64s(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.sums[g] += vals[i]
			a.counts[g]++
		}
	}
}
func (a *sumFloatAcc) emit(b array.Builder, g int32) {
	if a.counts[g] == 0 {
		b.AppendNull()
		return
	}
	if a.avg {
		appendFloat64(b, a.sums[g]/float64(a.counts[g]))
		return
	}
	appendFloat64(b, a.sums[g])
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
	// sum * 10^(out-in) / count, rounded half up.
	n := a.sums[g].BigInt()
	n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(a.outScale-a.inScale)), nil))
	c := big.NewInt(a.counts[g])
	q, r := new(big.Int).QuoRem(n, c, new(big.Int))
	if new(big.Int).Abs(new(big.Int).Mul(r, big.NewInt(2))).Cmp(c) >= 0 {
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	bb.Append(decimal128.FromBigInt(q))
}

type minMaxIntAcc struct {
	max     bool
	vals    []int64
	has     []bool
	scratch []int64
}

func (a *minMaxIntAcc) grow(n int)       { a.vals = growTo(a.vals, n); a.has = growTo(a.has, n) }
func (a *minMaxIntAcc) reset(g int32)    { a.vals[g], a.has[g] = 0, false }
func (a *minMaxIntAcc) stateRefs() []any { return []any{&a.vals, &a.has} }
func (a *minMaxIntAcc) put(g int32, v int64) {
	if !a.has[g] || (a.max && v > a.vals[g]) || (!a.max && v < a.vals[g]) {
		a.vals[g], a.has[g] = v, true
	}
}
func (a *minMaxIntAcc) merge(d, s int32) {
	if a.has[s] {
		a.put(d, a.vals[s])
	}
}
func (a *minMaxIntAcc) update(arg arrow.Array, groups []int32) {
	vals := int64s(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.put(g, vals[i])
		}
	}
}
func (a *minMaxIntAcc) emit(b array.Builder, g int32) {
	if !a.has[g] {
		b.AppendNull()
		return
	}
	appendInt64(b, a.vals[g])
}

type minMaxFloatAcc struct {
	max     bool
	vals    []float64
	has     []bool
	scratch []float64
}

func (a *minMaxFloatAcc) grow(n int)       { a.vals = growTo(a.vals, n); a.has = growTo(a.has, n) }
func (a *minMaxFloatAcc) reset(g int32)    { a.vals[g], a.has[g] = 0, false }
func (a *minMaxFloatAcc) stateRefs() []any { return []any{&a.vals, &a.has} }
func (a *minMaxFloatAcc) put(g int32, v float64) {
	if !a.has[g] || (a.max && v > a.vals[g]) || (!a.max && v < a.vals[g]) || math.IsNaN(a.vals[g]) {
		a.vals[g], a.has[g] = v, true
	}
}
func (a *minMaxFloatAcc) merge(d, s int32) {
	if a.has[s] {
		a.put(d, a.vals[s])
	}
}
func (a *minMaxFloatAcc) update(arg arrow.Array, groups []int32) {
	vals := float64s(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	for i, g := range groups {
		if g >= 0 && (noNulls || arg.IsValid(i)) {
			a.put(g, vals[i])
		}
	}
}
func (a *minMaxFloatAcc) emit(b array.Builder, g int32) {
	if !a.has[g] {
		b.AppendNull()
		return
	}
	appendFloat64(b, a.vals[g])
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

func (a *minMaxFloatAcc) emitAll(b array.Builder, gs []int32) bool {
	fb, ok := b.(*array.Float64Builder)
	if !ok {
		return false
	}
	vals := make([]float64, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		vals[i], valid[i] = a.vals[g], a.has[g]
	}
	fb.AppendValues(vals, valid)
	return true
}

func (a *minMaxIntAcc) emitAll(b array.Builder, gs []int32) bool {
	ib, ok := b.(*array.Int64Builder)
	if !ok {
		return false
	}
	vals := make([]int64, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		vals[i], valid[i] = a.vals[g], a.has[g]
	}
	ib.AppendValues(vals, valid)
	return true
}

func (a *sumFloatAcc) emitAll(b array.Builder, gs []int32) bool {
	fb, ok := b.(*array.Float64Builder)
	if !ok {
		return false
	}
	vals := make([]float64, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		if c := a.counts[g]; c > 0 {
			valid[i] = true
			vals[i] = a.sums[g]
			if a.avg {
				vals[i] /= float64(c)
			}
		}
	}
	fb.AppendValues(vals, valid)
	return true
}

func (a *sumIntAcc) emitAll(b array.Builder, gs []int32) bool {
	ib, ok := b.(*array.Int64Builder)
	if !ok {
		return false
	}
	vals := make([]int64, len(gs))
	valid := make([]bool, len(gs))
	for i, g := range gs {
		if c := a.counts[g]; c > 0 {
			valid[i] = true
			vals[i] = a.sums[g]
			if a.avg {
				vals[i] /= c
			}
		}
	}
	ib.AppendValues(vals, valid)
	return true
}
