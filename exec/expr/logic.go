package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SQL three-valued logic over whole bitmaps, one byte (8 rows) at a time:
//
//	AND: FALSE if either side is FALSE, else NULL if either is NULL, else TRUE.
//	OR:  TRUE if either side is TRUE, else NULL if either is NULL, else FALSE.

func registerLogic() {
	boolArgs := simple(sig(kBool), 2, true, fixed(Bool))
	register("and", "a AND b -> BOOLEAN", "three-valued AND: FALSE wins over NULL", nary(boolArgs), buildBinLogic)
	register("or", "a OR b -> BOOLEAN", "three-valued OR: TRUE wins over NULL", nary(boolArgs), buildBinLogic)
	register("xor", "a XOR b -> BOOLEAN", "exclusive or; NULL if either side is NULL", boolArgs, buildBinLogic)
	unary := simple(sig(kBool), 1, false, fixed(Bool))
	register("not", "NOT a -> BOOLEAN", "negation; NOT NULL is NULL", unary, buildUnaryLogic)
	register("is_true", "a IS TRUE -> BOOLEAN", "TRUE only when a is TRUE (never NULL)", unary, buildUnaryLogic)
	register("is_false", "a IS FALSE -> BOOLEAN", "TRUE only when a is FALSE (never NULL)", unary, buildUnaryLogic)
	register("is_not_true", "a IS NOT TRUE -> BOOLEAN", "TRUE when a is FALSE or NULL", unary, buildUnaryLogic)
	register("is_not_false", "a IS NOT FALSE -> BOOLEAN", "TRUE when a is TRUE or NULL", unary, buildUnaryLogic)
	anyArg := simple(sig(kAny), 1, false, fixed(Bool))
	register("is_null", "a IS NULL -> BOOLEAN", "TRUE when a is NULL", anyArg, buildUnaryLogic)
	register("is_not_null", "a IS NOT NULL -> BOOLEAN", "TRUE when a is not NULL", anyArg, buildUnaryLogic)
}

// nary turns AND/OR of more than two arguments into a left-deep chain of binary calls.
func nary(check checkFn) checkFn {
	return func(name string, args []Expr) (Expr, error) {
		if len(args) < 2 {
			return nil, arity(name, len(args), 2, -1)
		}
		e, err := check(name, args[:2])
		if err != nil {
			return nil, err
		}
		for _, a := range args[2:] {
			if e, err = check(name, []Expr{e, a}); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
}

// bitsOrOnes returns the validity bitmap of a, or nil meaning all valid.
func validBits(a arrow.Array) []byte {
	if a.NullN() == 0 {
		return nil
	}
	if a.DataType().ID() == arrow.NULL {
		return make([]byte, (a.Len()+7)/8)
	}
	return alignedBits(a, 0)
}

func boolVals(a arrow.Array) []byte {
	if a.DataType().ID() == arrow.NULL {
		return make([]byte, (a.Len()+7)/8)
	}
	return alignedBits(a, 1)
}

func buildBinLogic(c *compiler, call *Call) (evalFunc, error) {
	mem, fn := c.mem, call.Func
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		return binLogic(mem, fn, in[0], in[1], n), nil
	})
}

func binLogic(mem memory.Allocator, fn string, a, b arrow.Array, n int) arrow.Array {
	nb := (n + 7) / 8
	va, vb := boolVals(a), boolVals(b)
	da, db := validBits(a), validBits(b)
	vbuf, out := allocBits(mem, n)
	if da == nil && db == nil {
		for j := 0; j < nb; j++ {
			switch fn {
			case "and":
				out[j] = va[j] & vb[j]
			case "or":
				out[j] = va[j] | vb[j]
			default:
				out[j] = va[j] ^ vb[j]
			}
		}
		return boolArray(n, nil, vbuf)
	}
	nbuf, valid := allocBits(mem, n)
	for j := 0; j < nb; j++ {
		x, y := va[j], vb[j]
		dx, dy := byte(0xff), byte(0xff)
		if da != nil {
			dx = da[j]
		}
		if db != nil {
			dy = db[j]
		}
		switch fn {
		case "and":
			fx, fy := dx&^x, dy&^y
			out[j] = x & y & dx & dy
			valid[j] = dx&dy | fx | fy
		case "or":
			tx, ty := dx&x, dy&y
			out[j] = tx | ty
			valid[j] = dx&dy | tx | ty
		default:
			out[j] = x ^ y
			valid[j] = dx & dy
		}
	}
	return boolArray(n, nbuf, vbuf)
}

func buildUnaryLogic(c *compiler, call *Call) (evalFunc, error) {
	mem, fn := c.mem, call.Func
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		nb := (n + 7) / 8
		d := validBits(a)
		vbuf, out := allocBits(mem, n)
		if fn == "is_null" || fn == "is_not_null" {
			for j := 0; j < nb; j++ {
				v := byte(0xff)
				if d != nil {
					v = d[j]
				}
				if fn == "is_null" {
					v = ^v
				}
				out[j] = v
			}
			return boolArray(n, nil, vbuf), nil
		}
		x := boolVals(a)
		for j := 0; j < nb; j++ {
			v := byte(0xff)
			if d != nil {
				v = d[j]
			}
			switch fn {
			case "not":
				out[j] = ^x[j]
			case "is_true":
				out[j] = x[j] & v
			case "is_false":
				out[j] = ^x[j] & v
			case "is_not_true":
				out[j] = ^(x[j] & v)
			case "is_not_false":
				out[j] = x[j] | ^v
			}
		}
		if fn == "not" {
			return boolArray(n, andValidity(mem, n, a), vbuf), nil
		}
		return boolArray(n, nil, vbuf), nil
	})
}
