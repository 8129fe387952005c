package expr

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CAST semantics: every pair among numbers, DECIMAL, STRING, BOOLEAN, TIMESTAMP,
// TIMESTAMP_LTZ and DATE. A value that does not convert (an unparsable string, a number
// out of range) is NULL, for CAST as for TRY_CAST: a streaming job must not die on one bad
// record. Timestamps and numbers convert as epoch seconds (Flink's legacy rule).

func registerCast() {
	register("cast", "CAST(a AS type)", "type conversion; NULL when the value does not convert", nil, buildCast)
	register("try_cast", "TRY_CAST(a AS type)", "type conversion; NULL when the value does not convert", nil, buildCast)
}

func castable(from, to arrow.DataType) bool {
	scalar := func(t arrow.DataType) bool {
		return isNumeric(t) || isString(t) || isBool(t) || isTimestamp(t) || isDate(t) || isNull(t)
	}
	switch {
	case isNull(from) || arrow.TypeEqual(from, to):
		return true
	case scalar(from) && scalar(to):
		// DATE <-> numbers and BOOLEAN <-> temporal make no sense.
		if (isDate(from) || isDate(to)) && (isNumeric(from) || isNumeric(to) || isBool(from) || isBool(to)) {
			return false
		}
		if (isTimestamp(from) || isTimestamp(to)) && (isBool(from) || isBool(to)) {
			return false
		}
		return true
	case isDuration(from) && (isInt(to) || isString(to)), isInt(from) && isDuration(to):
		return true
	case (from.ID() == arrow.TIME32 && isString(to)) || (isString(from) && to.ID() == arrow.TIME32):
		return true
	}
	return false
}

// NewCast returns e converted to type to. try marks TRY_CAST; both yield NULL for values
// that do not convert. Casting a literal is folded at plan time.
func NewCast(e Expr, to arrow.DataType, try bool) (Expr, error) {
	if e == nil || to == nil {
		return nil, typeErrorf("CAST: missing operand or type")
	}
	from := e.Type()
	if arrow.TypeEqual(from, to) {
		return e, nil
	}
	if !castable(from, to) {
		return nil, typeErrorf("cannot CAST %s to %s", TypeName(from), TypeName(to))
	}
	if l, ok := e.(*Literal); ok && l.Value == nil {
		return &Literal{T: to}, nil
	}
	fn := "cast"
	if try {
		fn = "try_cast"
	}
	return foldConst(&Call{Func: fn, Args: []Expr{e}, T: to}), nil
}

func buildCast(c *compiler, call *Call) (evalFunc, error) {
	mem, to := c.mem, call.T
	if !castable(call.Args[0].Type(), to) {
		return nil, fmt.Errorf("expr: no cast from %s to %s", TypeName(call.Args[0].Type()), TypeName(to))
	}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		return castArray(mem, in[0], to)
	})
}

// retype shares a's buffers under another type with the same layout (TIMESTAMP <-> LTZ).
func retype(a arrow.Array, to arrow.DataType) arrow.Array {
	d := a.Data()
	data := array.NewData(to, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer data.Release()
	return array.MakeFromData(data)
}

func castArray(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	from := a.DataType()
	n := a.Len()
	ins := []arrow.Array{a}
	switch {
	case arrow.TypeEqual(from, to):
		a.Retain()
		return a, nil
	case isNull(from):
		return array.MakeArrayOfNull(mem, to, n), nil
	case isTimestamp(from) && isTimestamp(to):
		return retype(a, to), nil
	case isString(to):
		return castToString(mem, a)
	case isString(from):
		return castFromString(mem, a.(*array.String), to)
	case (isInt(from) || isFloat(from)) && (isInt(to) || isFloat(to)):
		return castNumeric(mem, a, to), nil
	case isBool(from):
		ba := a.(*array.Boolean)
		switch {
		case isInt(to):
			tmp := boolToInt(mem, ba)
			defer tmp.Release()
			return castNumeric(mem, tmp, to), nil
		case isFloat(to):
			tmp := boolToInt(mem, ba)
			defer tmp.Release()
			return castNumeric(mem, tmp, to), nil
		case isDecimal(to):
			tmp := boolToInt(mem, ba)
			defer tmp.Release()
			return castArray(mem, tmp, to)
		}
	case isBool(to):
		switch {
		case isInt(from) || isFloat(from):
			f := asFloat64(a)
			return mapBool(mem, n, ins, func(i int) (bool, bool) { return f(i) != 0, true }), nil
		case isDecimal(from):
			d := values[decimal128.Num](a)
			return mapBool(mem, n, ins, func(i int) (bool, bool) { return d[i].Sign() != 0, true }), nil
		}
	case isDecimal(from) || isDecimal(to):
		return castDecimal(mem, a, to)
	case isTimestamp(from) && isDate(to):
		v := values[int64](a)
		return mapFixed[int32](mem, to, n, ins, func(i int) (int32, bool) { return int32(floorDiv(v[i], msPerDay)), true }), nil
	case isDate(from) && isTimestamp(to):
		v := values[int32](a)
		return mapFixed[int64](mem, to, n, ins, func(i int) (int64, bool) { return int64(v[i]) * msPerDay, true }), nil
	case isTimestamp(from) && (isInt(to) || isFloat(to)):
		v := values[int64](a)
		if isFloat(to) {
			tmp := mapFixed[float64](mem, Double, n, ins, func(i int) (float64, bool) { return float64(v[i]) / 1000, true })
			defer tmp.Release()
			return castNumeric(mem, tmp, to), nil
		}
		tmp := mapFixed[int64](mem, BigInt, n, ins, func(i int) (int64, bool) { return floorDiv(v[i], 1000), true })
		defer tmp.Release()
		return castNumeric(mem, tmp, to), nil
	case (isInt(from) || isFloat(from)) && isTimestamp(to):
		f := asFloat64(a)
		return mapFixed[int64](mem, to, n, ins, func(i int) (int64, bool) {
			ms := math.Round(f(i) * 1000)
			return int64(ms), !math.IsNaN(ms) && math.Abs(ms) < 9.2e18
		}), nil
	case isDuration(from) && isInt(to):
		return castNumeric(mem, retype(a, BigInt), to), nil
	case isInt(from) && isDuration(to):
		tmp := castNumeric(mem, a, BigInt)
		defer tmp.Release()
		return retype(tmp, to), nil
	}
	return nil, fmt.Errorf("expr: no cast from %s to %s", TypeName(from), TypeName(to))
}

func boolToInt(mem memory.Allocator, a *array.Boolean) arrow.Array {
	return mapFixed[int64](mem, BigInt, a.Len(), []arrow.Array{a}, func(i int) (int64, bool) {
		return int64(boolInt(a.Value(i))), true
	})
}

// asFloat64 reads any integer or float array as float64, row by row.
func asFloat64(a arrow.Array) func(i int) float64 {
	switch a.DataType().ID() {
	case arrow.INT8:
		v := values[int8](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.INT16:
		v := values[int16](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.INT32:
		v := values[int32](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.INT64:
		v := values[int64](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.FLOAT32:
		v := values[float32](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.FLOAT64:
		v := values[float64](a)
		return func(i int) float64 { return v[i] }
	}
	return func(int) float64 { return 0 }
}

// asInt64 reads any integer array as int64, row by row.
func asInt64(a arrow.Array) func(i int) int64 {
	switch a.DataType().ID() {
	case arrow.INT8:
		v := values[int8](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT16:
		v := values[int16](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT32:
		v := values[int32](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT64:
		v := values[int64](a)
		return func(i int) int64 { return v[i] }
	}
	return func(int) int64 { return 0 }
}

func castNumeric(mem memory.Allocator, a arrow.Array, to arrow.DataType) arrow.Array {
	switch a.DataType().ID() {
	case arrow.INT8:
		return convFrom(mem, values[int8](a), a, to)
	case arrow.INT16:
		return convFrom(mem, values[int16](a), a, to)
	case arrow.INT32:
		return convFrom(mem, values[int32](a), a, to)
	case arrow.INT64:
		return convFrom(mem, values[int64](a), a, to)
	case arrow.FLOAT32:
		return convFrom(mem, values[float32](a), a, to)
	default:
		return convFrom(mem, values[float64](a), a, to)
	}
}

func convFrom[S fixedNum](mem memory.Allocator, src []S, a arrow.Array, to arrow.DataType) arrow.Array {
	switch to.ID() {
	case arrow.INT8:
		return conv[S, int8](mem, src, a, to, math.MinInt8, math.MaxInt8)
	case arrow.INT16:
		return conv[S, int16](mem, src, a, to, math.MinInt16, math.MaxInt16)
	case arrow.INT32:
		return conv[S, int32](mem, src, a, to, math.MinInt32, math.MaxInt32)
	case arrow.INT64:
		return conv[S, int64](mem, src, a, to, math.MinInt64, math.MaxInt64)
	case arrow.FLOAT32:
		return conv[S, float32](mem, src, a, to, 0, 0)
	default:
		return conv[S, float64](mem, src, a, to, 0, 0)
	}
}

// conv converts element-wise. Integers narrow with wrap-around as in Java; a float that is
// NaN or outside [lo, hi] of an integer target is NULL; floats truncate toward zero.
func conv[S, D fixedNum](mem memory.Allocator, src []S, a arrow.Array, to arrow.DataType, lo, hi float64) arrow.Array {
	n := len(src)
	buf, out := allocFixed[D](mem, n)
	validity := andValidity(mem, n, a)
	var zero S
	srcFloat := isFloatVal(zero)
	var dz D
	if !srcFloat || isFloatVal(dz) {
		for i, v := range src {
			out[i] = D(v)
		}
		return newArray(to, n, validity, buf)
	}
	var vb []byte
	for i, v := range src {
		f := float64(v)
		if math.IsNaN(f) || f < lo || f >= hi+1 {
			if vb == nil {
				validity, vb = ensureValidity(mem, validity, n)
			}
			vb[i/8] &^= 1 << (i % 8)
			continue
		}
		out[i] = D(v)
	}
	return newArray(to, n, validity, buf)
}

func isFloatVal(v any) bool {
	switch v.(type) {
	case float32, float64:
		return true
	}
	return false
}

func castDecimal(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	ins := []arrow.Array{a}
	from := a.DataType()
	if fd, ok := from.(*arrow.Decimal128Type); ok {
		src := values[decimal128.Num](a)
		s := fd.Scale
		switch {
		case isDecimal(to):
			td := to.(*arrow.Decimal128Type)
			return mapFixed[decimal128.Num](mem, to, n, ins, func(i int) (decimal128.Num, bool) {
				return rescaleDec(src[i], s, td.Scale, td.Precision)
			}), nil
		case isFloat(to):
			tmp := mapFixed[float64](mem, Double, n, ins, func(i int) (float64, bool) { return src[i].ToFloat64(s), true })
			defer tmp.Release()
			return castNumeric(mem, tmp, to), nil
		case isInt(to):
			tmp := mapFixed[int64](mem, BigInt, n, ins, func(i int) (int64, bool) {
				v := src[i].ReduceScaleBy(s, false).BigInt()
				return v.Int64(), v.IsInt64()
			})
			defer tmp.Release()
			return castNumeric(mem, tmp, to), nil
		case isTimestamp(to):
			return mapFixed[int64](mem, to, n, ins, func(i int) (int64, bool) {
				v := rescaleBig(src[i].BigInt(), s, 3)
				return v.Int64(), v.IsInt64()
			}), nil
		}
	}
	td, ok := to.(*arrow.Decimal128Type)
	if !ok {
		return nil, fmt.Errorf("expr: no cast from %s to %s", TypeName(from), TypeName(to))
	}
	switch {
	case isInt(from):
		get := asInt64(a)
		return mapFixed[decimal128.Num](mem, to, n, ins, func(i int) (decimal128.Num, bool) {
			return rescaleDec(decimal128.FromI64(get(i)), 0, td.Scale, td.Precision)
		}), nil
	case isFloat(from):
		get := asFloat64(a)
		return mapFixed[decimal128.Num](mem, to, n, ins, func(i int) (decimal128.Num, bool) {
			return floatToDec(get(i), td.Precision, td.Scale)
		}), nil
	case isTimestamp(from):
		v := values[int64](a)
		return mapFixed[decimal128.Num](mem, to, n, ins, func(i int) (decimal128.Num, bool) {
			return rescaleDec(decimal128.FromI64(v[i]), 3, td.Scale, td.Precision)
		}), nil
	}
	return nil, fmt.Errorf("expr: no cast from %s to %s", TypeName(from), TypeName(to))
}

// rescaleDec changes scale with HALF_UP rounding; false when the result needs more than p digits.
func rescaleDec(v decimal128.Num, from, to, p int32) (decimal128.Num, bool) {
	var out decimal128.Num
	switch {
	case to == from:
		out = v
	case to > from:
		b := new(big.Int).Mul(v.BigInt(), pow10(to-from))
		if b.BitLen() > 126 {
			return out, false
		}
		out = decimal128.FromBigInt(b)
	default:
		out = decimal128.FromBigInt(rescaleBig(v.BigInt(), from, to))
	}
	return out, out.FitsInPrecision(p)
}

// floatToDec converts through the shortest decimal representation of f, so 0.1 becomes
// exactly 0.1 (as Java's BigDecimal.valueOf does).
func floatToDec(f float64, p, s int32) (decimal128.Num, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal128.Num{}, false
	}
	var buf [32]byte
	digits := strconv.AppendFloat(buf[:0], f, 'f', -1, 64)
	if v, ok := smallDecimal(digits, s); ok {
		n := decimal128.FromI64(v)
		return n, n.FitsInPrecision(p)
	}
	return parseDecimal(strconv.FormatFloat(f, 'g', -1, 64), p, s)
}

// smallDecimal scales a plain decimal text ("-12.345") to s fraction digits, rounding
// HALF_UP, when the result fits an int64 with room to spare: the common case of a DOUBLE
// cast to DECIMAL, without big-number arithmetic. ok is false otherwise.
func smallDecimal(text []byte, s int32) (int64, bool) {
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		text = text[1:]
	}
	var v int64
	digits := 0
	frac := int32(-1) // fraction digits taken so far; -1 before the point
	roundUp := false
	for _, c := range text {
		if c == '.' {
			if frac >= 0 {
				return 0, false
			}
			frac = 0
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if frac >= s {
			// The first digit past the scale decides the rounding (HALF_UP); the rest
			// cannot change it.
			roundUp = c >= '5'
			break
		}
		if digits >= 17 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
		if v != 0 {
			digits++
		}
		if frac >= 0 {
			frac++
		}
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < s; frac++ {
		if digits >= 17 {
			return 0, false
		}
		v *= 10
		if v != 0 {
			digits++
		}
	}
	if roundUp {
		v++
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseDecimal parses a decimal literal (optionally with exponent), rounding HALF_UP to s.
func parseDecimal(str string, p, s int32) (decimal128.Num, bool) {
	str = strings.TrimSpace(str)
	r, ok := new(big.Rat).SetString(str)
	if !ok {
		return decimal128.Num{}, false
	}
	num := new(big.Int).Mul(r.Num(), pow10(s))
	q := divHalfUp(num, r.Denom())
	if q.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	v := decimal128.FromBigInt(q)
	return v, v.FitsInPrecision(p)
}

func castFromString(mem memory.Allocator, a *array.String, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	ins := []arrow.Array{a}
	switch {
	case isInt(to):
		tmp := mapFixed[int64](mem, BigInt, n, ins, func(i int) (int64, bool) {
			v, err := strconv.ParseInt(strings.TrimSpace(a.Value(i)), 10, 64)
			return v, err == nil
		})
		if to.ID() == arrow.INT64 {
			return tmp, nil
		}
		defer tmp.Release()
		lo, hi := intRange(to)
		v := values[int64](tmp)
		checked := mapFixed[int64](mem, BigInt, n, []arrow.Array{tmp}, func(i int) (int64, bool) {
			return v[i], v[i] >= lo && v[i] <= hi
		})
		defer checked.Release()
		return castNumeric(mem, checked, to), nil
	case isFloat(to):
		tmp := mapFixed[float64](mem, Double, n, ins, func(i int) (float64, bool) {
			v, err := strconv.ParseFloat(strings.TrimSpace(a.Value(i)), 64)
			return v, err == nil
		})
		if to.ID() == arrow.FLOAT64 {
			return tmp, nil
		}
		defer tmp.Release()
		return castNumeric(mem, tmp, to), nil
	case isDecimal(to):
		td := to.(*arrow.Decimal128Type)
		return mapFixed[decimal128.Num](mem, to, n, ins, func(i int) (decimal128.Num, bool) {
			return parseDecimal(a.Value(i), td.Precision, td.Scale)
		}), nil
	case isBool(to):
		return mapBool(mem, n, ins, func(i int) (bool, bool) { return parseBool(a.Value(i)) }), nil
	case isTimestamp(to):
		return mapFixed[int64](mem, to, n, ins, func(i int) (int64, bool) { return parseTimestamp(a.Value(i)) }), nil
	case isDate(to):
		return mapFixed[int32](mem, to, n, ins, func(i int) (int32, bool) {
			ms, ok := parseTimestamp(a.Value(i))
			return int32(floorDiv(ms, msPerDay)), ok
		}), nil
	case to.ID() == arrow.TIME32:
		return mapFixed[int32](mem, to, n, ins, func(i int) (int32, bool) {
			ms, ok := parseTimestamp("1970-01-01 " + strings.TrimSpace(a.Value(i)))
			return int32(ms), ok
		}), nil
	}
	return nil, fmt.Errorf("expr: no cast from STRING to %s", TypeName(to))
}

func intRange(t arrow.DataType) (int64, int64) {
	switch t.ID() {
	case arrow.INT8:
		return math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1", "on":
		return true, true
	case "false", "f", "no", "n", "0", "off":
		return false, true
	}
	return false, false
}

func castToString(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	n := a.Len()
	ins := []arrow.Array{a}
	t := a.DataType()
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		get := asInt64(a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return strconv.AppendInt(dst, get(i), 10), true }), nil
	case arrow.FLOAT32:
		v := values[float32](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return appendJavaFloat(dst, float64(v[i]), 32), true }), nil
	case arrow.FLOAT64:
		v := values[float64](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return appendJavaFloat(dst, v[i], 64), true }), nil
	case arrow.DECIMAL128:
		v := values[decimal128.Num](a)
		s := t.(*arrow.Decimal128Type).Scale
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return append(dst, v[i].ToString(s)...), true }), nil
	case arrow.BOOL:
		b := a.(*array.Boolean)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) {
			if b.Value(i) {
				return append(dst, "TRUE"...), true
			}
			return append(dst, "FALSE"...), true
		}), nil
	case arrow.TIMESTAMP:
		v := values[int64](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return appendTimestamp(dst, v[i]), true }), nil
	case arrow.DATE32:
		v := values[int32](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) {
			return appendTimestamp(dst, int64(v[i])*msPerDay)[:10], true
		}), nil
	case arrow.TIME32:
		v := values[int32](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) {
			return appendTimestamp(dst, int64(v[i]))[11:], true
		}), nil
	case arrow.DURATION:
		v := values[int64](a)
		return mapString(mem, n, ins, func(i int, dst []byte) ([]byte, bool) { return appendInterval(dst, v[i]), true }), nil
	}
	return nil, fmt.Errorf("expr: no cast from %s to STRING", TypeName(t))
}

// appendInterval prints a day-time interval as Flink does: +D HH:mm:ss.SSS.
func appendInterval(dst []byte, ms int64) []byte {
	sign := byte('+')
	if ms < 0 {
		sign, ms = '-', -ms
	}
	dst = append(dst, sign)
	dst = strconv.AppendInt(dst, ms/msPerDay, 10)
	ms %= msPerDay
	dst = append(dst, ' ')
	dst = append2(dst, int(ms/3600000))
	dst = append(dst, ':')
	dst = append2(dst, int(ms/60000%60))
	dst = append(dst, ':')
	dst = append2(dst, int(ms/1000%60))
	dst = append(dst, '.')
	return appendN(dst, int(ms%1000), 3)
}

// appendJavaFloat formats like Java's Double.toString / Float.toString, which Flink uses
// for CAST(DOUBLE AS STRING): 1.5 -> "1.5", 1.0 -> "1.0", 1e7 -> "1.0E7", 1e-4 -> "1.0E-4".
func appendJavaFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, bits)
		if !strings.Contains(string(dst[start:]), ".") {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // d.dddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	dst = append(dst, mant...)
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(e), 10)
}
