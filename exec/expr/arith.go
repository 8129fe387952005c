package expr

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func registerArith() {
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		register(op, "a "+op+" b -> NUMERIC",
			"arithmetic; integers stay integers (INT / INT truncates, as Flink), mixed types widen INT -> BIGINT -> DECIMAL -> DOUBLE; "+
				"division by zero is NULL; TIMESTAMP +/- INTERVAL is a TIMESTAMP",
			checkArith, buildArith)
	}
	register("mod", "MOD(a NUMERIC, b NUMERIC) -> NUMERIC", "remainder of a / b with the sign of a; NULL when b is 0",
		func(_ string, args []Expr) (Expr, error) { return checkArith("%", args) }, buildArith)
	register("neg", "-a -> NUMERIC", "unary minus", checkArith, buildArith)
}

func checkArith(name string, args []Expr) (Expr, error) {
	if name == "neg" {
		if err := arity(name, len(args), 1, 1); err != nil {
			return nil, err
		}
		t := args[0].Type()
		if isNull(t) {
			return castTo(args[0], BigInt), nil
		}
		if !isNumeric(t) && !isDuration(t) {
			return nil, typeErrorf("cannot negate %s", TypeName(t))
		}
		return &Call{Func: name, Args: args, T: t}, nil
	}
	if err := arity(name, len(args), 2, 2); err != nil {
		return nil, err
	}
	a, b := args[0], args[1]
	ta, tb := a.Type(), b.Type()
	if isNull(ta) && isNull(tb) {
		ta, tb = BigInt, BigInt
	} else if isNull(ta) {
		ta = tb
	} else if isNull(tb) {
		tb = ta
	}
	a, b = castTo(a, ta), castTo(b, tb)
	bad := typeErrorf("cannot apply %s to %s and %s", name, TypeName(ta), TypeName(tb))
	switch {
	case isTimestamp(ta) && isDuration(tb) && (name == "+" || name == "-"):
		return &Call{Func: name, Args: []Expr{a, b}, T: ta}, nil
	case isDuration(ta) && isTimestamp(tb) && name == "+":
		return &Call{Func: name, Args: []Expr{b, a}, T: tb}, nil
	case isDuration(ta) && isDuration(tb) && (name == "+" || name == "-"):
		return &Call{Func: name, Args: []Expr{a, b}, T: ta}, nil
	case !isNumeric(ta) || !isNumeric(tb):
		return nil, bad
	case (isDecimal(ta) || isDecimal(tb)) && !isFloat(ta) && !isFloat(tb):
		p1, s1 := decParts(ta)
		p2, s2 := decParts(tb)
		a, b = castTo(a, Decimal(p1, s1)), castTo(b, Decimal(p2, s2))
		return &Call{Func: name, Args: []Expr{a, b}, T: decimalResult(name, p1, s1, p2, s2)}, nil
	}
	t := commonNumeric(ta, tb)
	return &Call{Func: name, Args: []Expr{castTo(a, t), castTo(b, t)}, T: t}, nil
}

// decimalResult follows Flink's (Calcite's) precision rules, capped at 38 digits while
// keeping at least min(scale, 6) fractional digits.
func decimalResult(op string, p1, s1, p2, s2 int32) arrow.DataType {
	var p, s int32
	switch op {
	case "+", "-":
		s = max(s1, s2)
		p = max(p1-s1, p2-s2) + s + 1
	case "*":
		p, s = p1+p2, s1+s2
	case "/":
		s = max(6, s1+p2+1)
		p = p1 - s1 + s2 + s
	default: // %
		s = max(s1, s2)
		p = min(p1-s1, p2-s2) + s
	}
	if p > 38 {
		s = max(s-(p-38), min(s, 6))
		p = 38
	}
	return Decimal(p, s)
}

func buildArith(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	if call.Func == "neg" {
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			return negate(mem, in[0])
		})
	}
	op := call.Func[0]
	if isDecimal(t) {
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			return decimalArith(mem, op, t, in[0], in[1])
		})
	}
	la, okA := call.Args[0].(*Literal)
	lb, okB := call.Args[1].(*Literal)
	switch {
	case okB && !okA:
		return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
			return arithLit(mem, op, t, in[0], lb.Value, false)
		})
	case okA && !okB:
		return c.withArgs(call.Args[1:], func(in []arrow.Array, n int) (arrow.Array, error) {
			return arithLit(mem, op, t, in[0], la.Value, true)
		})
	}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		return arithVec(mem, op, t, in[0], in[1])
	})
}

func arithVec(mem memory.Allocator, op byte, t arrow.DataType, a, b arrow.Array) (arrow.Array, error) {
	switch t.ID() {
	case arrow.INT8:
		return arithVecT(mem, op, t, values[int8](a), values[int8](b), a, b, modInt[int8])
	case arrow.INT16:
		return arithVecT(mem, op, t, values[int16](a), values[int16](b), a, b, modInt[int16])
	case arrow.INT32:
		return arithVecT(mem, op, t, values[int32](a), values[int32](b), a, b, modInt[int32])
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		return arithVecT(mem, op, t, values[int64](a), values[int64](b), a, b, modInt[int64])
	case arrow.FLOAT32:
		return arithVecT(mem, op, t, values[float32](a), values[float32](b), a, b, modFloat[float32])
	case arrow.FLOAT64:
		return arithVecT(mem, op, t, values[float64](a), values[float64](b), a, b, modFloat[float64])
	}
	return nil, fmt.Errorf("expr: arithmetic on %s", TypeName(t))
}

func arithLit(mem memory.Allocator, op byte, t arrow.DataType, a arrow.Array, v any, rev bool) (arrow.Array, error) {
	n := a.Len()
	if v == nil {
		return array.MakeArrayOfNull(mem, t, n), nil
	}
	switch t.ID() {
	case arrow.INT8:
		return arithLitT(mem, op, t, values[int8](a), int8(v.(int64)), a, rev, modInt[int8])
	case arrow.INT16:
		return arithLitT(mem, op, t, values[int16](a), int16(v.(int64)), a, rev, modInt[int16])
	case arrow.INT32:
		return arithLitT(mem, op, t, values[int32](a), int32(v.(int64)), a, rev, modInt[int32])
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		return arithLitT(mem, op, t, values[int64](a), v.(int64), a, rev, modInt[int64])
	case arrow.FLOAT32:
		return arithLitT(mem, op, t, values[float32](a), float32(v.(float64)), a, rev, modFloat[float32])
	case arrow.FLOAT64:
		return arithLitT(mem, op, t, values[float64](a), v.(float64), a, rev, modFloat[float64])
	}
	return nil, fmt.Errorf("expr: arithmetic on %s", TypeName(t))
}

func modInt[T ~int8 | ~int16 | ~int32 | ~int64](a, b T) T {
	if b == -1 {
		return 0 // avoids the MinInt % -1 trap; the remainder is 0 anyway
	}
	return a % b
}
func modFloat[T ~float32 | ~float64](a, b T) T { return T(math.Mod(float64(a), float64(b))) }

func arithVecT[T fixedNum](mem memory.Allocator, op byte, t arrow.DataType, a, b []T, aa, ba arrow.Array, mod func(T, T) T) (arrow.Array, error) {
	n := len(a)
	b = b[:n]
	buf, out := allocFixed[T](mem, n)
	validity := andValidity(mem, n, aa, ba)
	switch op {
	case '+':
		for i, x := range a {
			out[i] = x + b[i]
		}
	case '-':
		for i, x := range a {
			out[i] = x - b[i]
		}
	case '*':
		for i, x := range a {
			out[i] = x * b[i]
		}
	case '/', '%':
		var vb []byte
		for i, x := range a {
			d := b[i]
			if d == 0 {
				if vb == nil {
					validity, vb = ensureValidity(mem, validity, n)
				}
				vb[i/8] &^= 1 << (i % 8)
				out[i] = 0
				continue
			}
			if op == '/' {
				out[i] = x / d
			} else {
				out[i] = mod(x, d)
			}
		}
	}
	return newArray(t, n, validity, buf), nil
}

// arithLitT computes a op s (or s op a when rev) for a constant s.
func arithLitT[T fixedNum](mem memory.Allocator, op byte, t arrow.DataType, a []T, s T, aa arrow.Array, rev bool, mod func(T, T) T) (arrow.Array, error) {
	n := len(a)
	if (op == '/' || op == '%') && !rev && s == 0 {
		return array.MakeArrayOfNull(mem, t, n), nil
	}
	buf, out := allocFixed[T](mem, n)
	validity := andValidity(mem, n, aa)
	switch {
	case op == '+':
		for i, x := range a {
			out[i] = x + s
		}
	case op == '*':
		for i, x := range a {
			out[i] = x * s
		}
	case op == '-' && !rev:
		for i, x := range a {
			out[i] = x - s
		}
	case op == '-':
		for i, x := range a {
			out[i] = s - x
		}
	case op == '/' && !rev:
		for i, x := range a {
			out[i] = x / s
		}
	case op == '%' && !rev:
		for i, x := range a {
			out[i] = mod(x, s)
		}
	default: // s / a, s % a: per-row zero checks
		var vb []byte
		for i, d := range a {
			if d == 0 {
				if vb == nil {
					validity, vb = ensureValidity(mem, validity, n)
				}
				vb[i/8] &^= 1 << (i % 8)
				out[i] = 0
				continue
			}
			if op == '/' {
				out[i] = s / d
			} else {
				out[i] = mod(s, d)
			}
		}
	}
	return newArray(t, n, validity, buf), nil
}

func negate(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	t := a.DataType()
	n := a.Len()
	switch t.ID() {
	case arrow.INT8:
		return negT(mem, t, values[int8](a), a), nil
	case arrow.INT16:
		return negT(mem, t, values[int16](a), a), nil
	case arrow.INT32:
		return negT(mem, t, values[int32](a), a), nil
	case arrow.INT64, arrow.DURATION:
		return negT(mem, t, values[int64](a), a), nil
	case arrow.FLOAT32:
		return negT(mem, t, values[float32](a), a), nil
	case arrow.FLOAT64:
		return negT(mem, t, values[float64](a), a), nil
	case arrow.DECIMAL128:
		buf, out := allocFixed[decimal128.Num](mem, n)
		for i, x := range values[decimal128.Num](a) {
			out[i] = x.Negate()
		}
		return newArray(t, n, andValidity(mem, n, a), buf), nil
	}
	return nil, fmt.Errorf("expr: cannot negate %s", TypeName(t))
}

func negT[T fixedNum](mem memory.Allocator, t arrow.DataType, a []T, aa arrow.Array) arrow.Array {
	buf, out := allocFixed[T](mem, len(a))
	for i, x := range a {
		out[i] = -x
	}
	return newArray(t, len(a), andValidity(mem, len(a), aa), buf)
}

var bigTen = big.NewInt(10)

func pow10(k int32) *big.Int { return new(big.Int).Exp(bigTen, big.NewInt(int64(k)), nil) }

// decimalArith is row-at-a-time: exact decimal arithmetic needs 128-bit (and for * and /,
// wider) intermediates. A result that does not fit its precision is NULL.
func decimalArith(mem memory.Allocator, op byte, t arrow.DataType, a, b arrow.Array) (arrow.Array, error) {
	n := a.Len()
	rt := t.(*arrow.Decimal128Type)
	_, s1 := decParts(a.DataType())
	_, s2 := decParts(b.DataType())
	s := rt.Scale
	av, bv := values[decimal128.Num](a), values[decimal128.Num](b)
	buf, out := allocFixed[decimal128.Num](mem, n)
	validity, vb := ensureValidity(mem, andValidity(mem, n, a, b), n)
	x, y, q := new(big.Int), new(big.Int), new(big.Int)
	for i := 0; i < n; i++ {
		if vb[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		x.Set(av[i].BigInt())
		y.Set(bv[i].BigInt())
		ok := true
		switch op {
		case '+', '-', '%':
			x.Mul(x, pow10(s-s1))
			y.Mul(y, pow10(s-s2))
			switch op {
			case '+':
				q.Add(x, y)
			case '-':
				q.Sub(x, y)
			default:
				if y.Sign() == 0 {
					ok = false
				} else {
					q.Rem(x, y)
				}
			}
		case '*':
			q.Mul(x, y)
			q = rescaleBig(q, s1+s2, s)
		case '/':
			if y.Sign() == 0 {
				ok = false
				break
			}
			// x/10^s1 / (y/10^s2) * 10^s = x * 10^(s - s1 + s2) / y, rounded half up.
			k := s - s1 + s2
			if k >= 0 {
				x.Mul(x, pow10(k))
			} else {
				y.Mul(y, pow10(-k))
			}
			q = divHalfUp(x, y)
		}
		if ok {
			v := decimal128.FromBigInt(q)
			if ok = v.FitsInPrecision(rt.Precision) && q.BitLen() < 127; ok {
				out[i] = v
			}
		}
		if !ok {
			vb[i/8] &^= 1 << (i % 8)
		}
	}
	return newArray(t, n, validity, buf), nil
}

// rescaleBig changes the scale of an unscaled value, rounding half up when digits are dropped.
func rescaleBig(v *big.Int, from, to int32) *big.Int {
	if to >= from {
		return v.Mul(v, pow10(to-from))
	}
	return divHalfUp(v, pow10(from-to))
}

// divHalfUp is x / y rounded half away from zero (Java's RoundingMode.HALF_UP).
func divHalfUp(x, y *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(x, y, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.CmpAbs(y) >= 0 {
		if (x.Sign() < 0) != (y.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

var _ = strings.ToUpper
