package expr

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var unaryDouble = map[string]struct {
	f   func(float64) float64
	doc string
}{
	"sqrt":    {math.Sqrt, "square root"},
	"exp":     {math.Exp, "e raised to the argument"},
	"ln":      {math.Log, "natural logarithm"},
	"log10":   {math.Log10, "base-10 logarithm"},
	"log2":    {math.Log2, "base-2 logarithm"},
	"sin":     {math.Sin, "sine"},
	"cos":     {math.Cos, "cosine"},
	"tan":     {math.Tan, "tangent"},
	"cot":     {func(x float64) float64 { return 1 / math.Tan(x) }, "cotangent"},
	"asin":    {math.Asin, "arc sine"},
	"acos":    {math.Acos, "arc cosine"},
	"atan":    {math.Atan, "arc tangent"},
	"sinh":    {math.Sinh, "hyperbolic sine"},
	"cosh":    {math.Cosh, "hyperbolic cosine"},
	"tanh":    {math.Tanh, "hyperbolic tangent"},
	"degrees": {func(x float64) float64 { return x * 180 / math.Pi }, "radians to degrees"},
	"radians": {func(x float64) float64 { return x * math.Pi / 180 }, "degrees to radians"},
}

func registerMath() {
	for name, f := range unaryDouble {
		fn := f.f
		register(name, fmt.Sprintf("%s(x DOUBLE) -> DOUBLE", upper(name)), f.doc, simple(sig(kDouble), 1, false, fixed(Double)),
			func(c *compiler, call *Call) (evalFunc, error) {
				mem := c.mem
				return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
					return mapDouble(mem, in[0], fn), nil
				})
			})
	}
	register("power", "POWER(x DOUBLE, y DOUBLE) -> DOUBLE", "x raised to y", simple(sig(kDouble, kDouble), 2, false, fixed(Double)), buildBinDouble(math.Pow), "pow")
	register("atan2", "ATAN2(y DOUBLE, x DOUBLE) -> DOUBLE", "arc tangent of y/x", simple(sig(kDouble, kDouble), 2, false, fixed(Double)), buildBinDouble(math.Atan2))
	register("log", "LOG(x DOUBLE) or LOG(base DOUBLE, x DOUBLE) -> DOUBLE", "natural logarithm, or logarithm to a base",
		simple(sig(kDouble, kDouble), 1, false, fixed(Double)), buildLog)
	register("abs", "ABS(x NUMERIC) -> NUMERIC", "absolute value", simple(sig(kNum), 1, false, sameAs(0)), buildAbsSign)
	register("sign", "SIGN(x NUMERIC) -> NUMERIC", "-1, 0 or 1", simple(sig(kNum), 1, false, sameAs(0)), buildAbsSign)
	register("round", "ROUND(x NUMERIC [, d INT]) -> NUMERIC", "rounds half away from zero (HALF_UP) to d decimal places (d may be negative)", checkRound, buildRound)
	register("truncate", "TRUNCATE(x NUMERIC [, d INT]) -> NUMERIC", "truncates toward zero to d decimal places", checkRound, buildRound)
	register("floor", "FLOOR(x NUMERIC) -> NUMERIC", "largest integer not above x; FLOOR(ts TO unit) is FLOOR_TO", checkFloorCeil, buildFloorCeil)
	register("ceil", "CEIL(x NUMERIC) -> NUMERIC", "smallest integer not below x; CEIL(ts TO unit) is CEIL_TO", checkFloorCeil, buildFloorCeil, "ceiling")
	register("pi", "PI() -> DOUBLE", "π", simple(nil, 0, false, fixed(Double)), constDouble(math.Pi))
	register("e", "E() -> DOUBLE", "Euler's number", simple(nil, 0, false, fixed(Double)), constDouble(math.E))
	d := register("rand", "RAND([seed INT]) -> DOUBLE", "uniform random number in [0, 1)", simple(sig(kBigint), 0, false, fixed(Double)), buildRand)
	d.volatile = true
	d = register("rand_integer", "RAND_INTEGER([seed INT,] bound INT) -> INT", "uniform random integer in [0, bound)", simple(sig(kBigint, kBigint), 1, false, fixed(Int)), buildRandInt)
	d.volatile = true
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func mapDouble(mem memory.Allocator, a arrow.Array, f func(float64) float64) arrow.Array {
	v := float64s(a)
	buf, out := allocFixed[float64](mem, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return newArray(Double, len(v), andValidity(mem, len(v), a), buf)
}

func buildBinDouble(f func(a, b float64) float64) buildFn {
	return func(c *compiler, call *Call) (evalFunc, error) {
		mem := c.mem
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			x, y := float64s(in[0]), float64s(in[1])
			buf, out := allocFixed[float64](mem, n)
			for i := range out {
				out[i] = f(x[i], y[i])
			}
			return newArray(Double, n, andValidity(mem, n, in...), buf), nil
		})
	}
}

func buildLog(c *compiler, call *Call) (evalFunc, error) {
	if len(call.Args) == 1 {
		mem := c.mem
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) { return mapDouble(mem, in[0], math.Log), nil })
	}
	return buildBinDouble(func(b, x float64) float64 { return math.Log(x) / math.Log(b) })(c, call)
}

func constDouble(v float64) buildFn {
	return func(c *compiler, call *Call) (evalFunc, error) {
		mem := c.mem
		return func(b arrow.RecordBatch) (arrow.Array, error) {
			return fill[float64](mem, Double, int(b.NumRows()), v), nil
		}, nil
	}
}

func buildRand(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	if v, ok := literalArg(call.Args, 0); ok && v != nil {
		r = rand.New(rand.NewPCG(uint64(v.(int64)), 0))
	}
	return func(b arrow.RecordBatch) (arrow.Array, error) {
		n := int(b.NumRows())
		buf, out := allocFixed[float64](mem, n)
		for i := range out {
			out[i] = r.Float64()
		}
		return newArray(Double, n, nil, buf), nil
	}, nil
}

func buildRandInt(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	boundArg := call.Args[0]
	if len(call.Args) == 2 {
		if v, ok := literalArg(call.Args, 0); ok && v != nil {
			r = rand.New(rand.NewPCG(uint64(v.(int64)), 0))
		}
		boundArg = call.Args[1]
	}
	return c.withArgs([]Expr{boundArg}, func(in []arrow.Array, n int) (arrow.Array, error) {
		bound := int64s(in[0])
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) {
			if bound[i] <= 0 {
				return 0, false
			}
			return int32(r.Int64N(bound[i])), true
		}), nil
	})
}

func buildAbsSign(c *compiler, call *Call) (evalFunc, error) {
	mem, sign := c.mem, call.Func == "sign"
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		switch a.DataType().ID() {
		case arrow.INT8:
			return absSignT(mem, a, values[int8](a), sign), nil
		case arrow.INT16:
			return absSignT(mem, a, values[int16](a), sign), nil
		case arrow.INT32:
			return absSignT(mem, a, values[int32](a), sign), nil
		case arrow.INT64:
			return absSignT(mem, a, values[int64](a), sign), nil
		case arrow.FLOAT32:
			return absSignT(mem, a, values[float32](a), sign), nil
		case arrow.FLOAT64:
			return absSignT(mem, a, values[float64](a), sign), nil
		case arrow.DECIMAL128:
			v := values[decimal128.Num](a)
			s := a.DataType().(*arrow.Decimal128Type).Scale
			return mapFixed[decimal128.Num](mem, a.DataType(), n, in, func(i int) (decimal128.Num, bool) {
				if sign {
					return decimal128.FromI64(int64(v[i].Sign())).IncreaseScaleBy(s), true
				}
				return v[i].Abs(), true
			}), nil
		}
		return nil, fmt.Errorf("expr: %s of %s", call.Func, TypeName(a.DataType()))
	})
}

func absSignT[T fixedNum](mem memory.Allocator, a arrow.Array, v []T, sign bool) arrow.Array {
	buf, out := allocFixed[T](mem, len(v))
	for i, x := range v {
		switch {
		case sign && x > 0:
			out[i] = 1
		case sign && x < 0:
			out[i] = 0
			out[i]--
		case sign:
			out[i] = 0
		case x < 0:
			out[i] = -x
		default:
			out[i] = x
		}
	}
	return newArray(a.DataType(), len(v), andValidity(mem, len(v), a), buf)
}

// checkRound: ROUND/TRUNCATE(x [, d]). For DECIMAL with a constant d the result scale is d.
func checkRound(name string, args []Expr) (Expr, error) {
	e, err := simple(sig(kNum, kBigint), 1, false, sameAs(0))(name, args)
	if err != nil {
		return nil, err
	}
	c := e.(*Call)
	if dt, ok := c.T.(*arrow.Decimal128Type); ok {
		d := int64(0)
		if len(c.Args) == 2 {
			v, ok := literalArg(c.Args, 1)
			if !ok {
				return nil, typeErrorf("%s of a DECIMAL needs a constant number of digits", upper(name))
			}
			if v != nil {
				d = v.(int64)
			}
		}
		s := min(max(int32(d), 0), dt.Scale)
		c.T = Decimal(dt.Precision-dt.Scale+s+1, s)
	}
	return c, nil
}

func buildRound(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	trunc := call.Func == "truncate"
	args := call.Args
	if len(args) == 1 {
		args = append(args, &Literal{Value: int64(0), T: BigInt})
	}
	return c.withArgs(args, func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		d := int64s(in[1])
		switch a.DataType().ID() {
		case arrow.FLOAT64, arrow.FLOAT32:
			get := asFloat64(a)
			tmp := mapFixed[float64](mem, Double, n, in, func(i int) (float64, bool) {
				if trunc {
					return truncDigits(get(i), int(d[i])), true
				}
				return roundHalfUp(get(i), int(d[i])), true
			})
			if t.ID() == arrow.FLOAT64 {
				return tmp, nil
			}
			defer tmp.Release()
			return castNumeric(mem, tmp, t), nil
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			get := asInt64(a)
			tmp := mapFixed[int64](mem, BigInt, n, in, func(i int) (int64, bool) {
				return roundInt(get(i), d[i], trunc), true
			})
			if t.ID() == arrow.INT64 {
				return tmp, nil
			}
			defer tmp.Release()
			return castNumeric(mem, tmp, t), nil
		case arrow.DECIMAL128:
			v := values[decimal128.Num](a)
			s := a.DataType().(*arrow.Decimal128Type).Scale
			rt := t.(*arrow.Decimal128Type)
			return mapFixed[decimal128.Num](mem, t, n, in, func(i int) (decimal128.Num, bool) {
				var q *big.Int
				x := v[i].BigInt()
				to := int32(d[i])
				if trunc {
					q = new(big.Int).Quo(x, pow10(max(s-to, 0)))
				} else {
					q = divHalfUp(x, pow10(max(s-to, 0)))
				}
				// q is at scale min(s, to); bring it to the result scale.
				q = q.Mul(q, pow10(rt.Scale-min(s, to)))
				r := decimal128.FromBigInt(q)
				return r, r.FitsInPrecision(rt.Precision)
			}), nil
		}
		return nil, fmt.Errorf("expr: ROUND of %s", TypeName(a.DataType()))
	})
}

func roundInt(x, d int64, trunc bool) int64 {
	if d >= 0 {
		return x
	}
	if d < -18 {
		return 0
	}
	p := int64(math.Pow10(int(-d)))
	q, r := x/p, x%p
	if !trunc {
		if r >= (p+1)/2 {
			q++
		} else if -r >= (p+1)/2 {
			q--
		}
	}
	return q * p
}

// roundHalfUp rounds as Flink does, through Java's BigDecimal.valueOf(double): the decimal
// value is the shortest representation, so ROUND(1.005, 2) = 1.01 and ROUND(-2.5) = -3.
func roundHalfUp(x float64, d int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || d > 15 {
		return x
	}
	p := math.Pow10(d)
	y := x * p
	if frac := math.Abs(y - math.Trunc(y)); math.Abs(frac-0.5) > 1e-6 && math.Abs(y) < 1<<52 {
		return math.Round(y) / p
	}
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok {
		return math.Round(y) / p
	}
	num, den := new(big.Int).Set(r.Num()), new(big.Int).Set(r.Denom())
	if d >= 0 {
		num.Mul(num, pow10(int32(d)))
	} else {
		den.Mul(den, pow10(int32(-d)))
	}
	q := divHalfUp(num, den)
	var res *big.Rat
	if d >= 0 {
		res = new(big.Rat).SetFrac(q, pow10(int32(d)))
	} else {
		res = new(big.Rat).SetInt(q.Mul(q, pow10(int32(-d))))
	}
	f, _ := res.Float64()
	return f
}

func truncDigits(x float64, d int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || d > 15 {
		return x
	}
	p := math.Pow10(d)
	return math.Trunc(x*p) / p
}

func checkFloorCeil(name string, args []Expr) (Expr, error) {
	if len(args) == 2 || len(args) == 1 && isTemporal(args[0].Type()) {
		if len(args) == 1 {
			return nil, typeErrorf("%s of a %s needs a unit: %s(ts TO DAY)", upper(name), TypeName(args[0].Type()), upper(name))
		}
		return NewCall(name+"_to", args...)
	}
	e, err := simple(sig(kNum), 1, false, sameAs(0))(name, args)
	if err != nil {
		return nil, err
	}
	c := e.(*Call)
	if dt, ok := c.T.(*arrow.Decimal128Type); ok {
		c.T = Decimal(dt.Precision-dt.Scale+1, 0)
	}
	return c, nil
}

func buildFloorCeil(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	ceil := call.Func == "ceil"
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		switch {
		case isInt(a.DataType()):
			a.Retain()
			return a, nil
		case isFloat(a.DataType()):
			f := math.Floor
			if ceil {
				f = math.Ceil
			}
			if a.DataType().ID() == arrow.FLOAT64 {
				return mapDouble(mem, a, f), nil
			}
			tmp := mapDouble(mem, a, f)
			defer tmp.Release()
			return castNumeric(mem, tmp, t), nil
		case isDecimal(a.DataType()):
			v := values[decimal128.Num](a)
			s := a.DataType().(*arrow.Decimal128Type).Scale
			return mapFixed[decimal128.Num](mem, t, n, in, func(i int) (decimal128.Num, bool) {
				q, r := new(big.Int).QuoRem(v[i].BigInt(), pow10(s), new(big.Int))
				if r.Sign() < 0 && !ceil {
					q.Sub(q, big.NewInt(1))
				} else if r.Sign() > 0 && ceil {
					q.Add(q, big.NewInt(1))
				}
				return decimal128.FromBigInt(q), true
			}), nil
		}
		return nil, fmt.Errorf("expr: FLOOR of %s", TypeName(a.DataType()))
	})
}
