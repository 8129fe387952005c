package expr

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type cmpOp int

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = map[string]cmpOp{"=": opEq, "<>": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// flip turns `lit op col` into `col flip(op) lit`.
func (o cmpOp) flip() cmpOp {
	switch o {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return o
}

func (o cmpOp) holds(c int) bool {
	switch o {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

func registerCompare() {
	for name := range cmpOps {
		register(name, "a "+strings.ToUpper(name)+" b -> BOOLEAN",
			"comparison of numbers (widened), strings, booleans, dates, timestamps, decimals; NULL if either side is NULL",
			checkCompare, buildCompare)
	}
	aliasOf["!="] = "<>"
	aliasOf["=="] = "="
	register("is_distinct_from", "a IS DISTINCT FROM b -> BOOLEAN", "like <> but NULL-safe: two NULLs are not distinct", checkCompare, buildDistinct)
	register("is_not_distinct_from", "a IS NOT DISTINCT FROM b -> BOOLEAN", "like = but NULL-safe (MySQL <=>)", checkCompare, buildDistinct, "<=>")
}

// comparable reports whether values of type t can be ordered by the comparison kernels.
func comparableType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.TIME32, arrow.TIMESTAMP, arrow.DURATION, arrow.STRING, arrow.BOOL,
		arrow.DECIMAL128, arrow.NULL:
		return true
	}
	return false
}

func checkCompare(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 2, 2); err != nil {
		return nil, err
	}
	a, b, err := unify2(args[0], args[1], "compare")
	if err != nil {
		return nil, err
	}
	return &Call{Func: name, Args: []Expr{a, b}, T: Bool}, nil
}

// unify2 casts a and b to their common type, or explains why there is none.
func unify2(a, b Expr, verb string) (Expr, Expr, error) {
	t := commonType(a.Type(), b.Type())
	if t == nil || !comparableType(t) {
		return nil, nil, typeErrorf("cannot %s %s with %s; CAST one side", verb, TypeName(a.Type()), TypeName(b.Type()))
	}
	if isNull(t) {
		t = BigInt // NULL = NULL: any type will do, the answer is NULL
	}
	return castTo(a, t), castTo(b, t), nil
}

func buildCompare(c *compiler, call *Call) (evalFunc, error) {
	op := cmpOps[call.Func]
	a, b := call.Args[0], call.Args[1]
	mem := c.mem
	var scratch []byte
	if lb, ok := b.(*Literal); ok {
		if _, ok := a.(*Literal); !ok {
			return c.withArgs([]Expr{a}, func(in []arrow.Array, n int) (arrow.Array, error) {
				return compareLit(mem, op, in[0], lb.Value, &scratch)
			})
		}
	}
	if la, ok := a.(*Literal); ok {
		return c.withArgs([]Expr{b}, func(in []arrow.Array, n int) (arrow.Array, error) {
			return compareLit(mem, op.flip(), in[0], la.Value, &scratch)
		})
	}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		return compareArrays(mem, op, in[0], in[1], &scratch)
	})
}

func growScratch(s *[]byte, n int) []byte {
	if cap(*s) < n+8 {
		*s = make([]byte, n+8)
	}
	return (*s)[:n]
}

// compareLit compares every row of a with the constant v (already of a's type).
func compareLit(mem memory.Allocator, op cmpOp, a arrow.Array, v any, scratch *[]byte) (arrow.Array, error) {
	n := a.Len()
	if v == nil || n == 0 {
		return array.MakeArrayOfNull(mem, Bool, n), nil
	}
	buf, out := allocBits(mem, n)
	tmp := growScratch(scratch, n)
	packed := true
	switch a.DataType().ID() {
	case arrow.INT8:
		cmpLitT(op, values[int8](a), int8(v.(int64)), tmp)
	case arrow.INT16:
		cmpLitT(op, values[int16](a), int16(v.(int64)), tmp)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		cmpLitT(op, values[int32](a), int32(v.(int64)), tmp)
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		cmpLitT(op, values[int64](a), v.(int64), tmp)
	case arrow.FLOAT32:
		cmpLitT(op, values[float32](a), float32(v.(float64)), tmp)
	case arrow.FLOAT64:
		cmpLitT(op, values[float64](a), v.(float64), tmp)
	case arrow.STRING:
		s := []byte(v.(string))
		sa := a.(*array.String)
		offs, data := sa.ValueOffsets(), sa.ValueBytes()
		base := offs[0]
		for i := 0; i < n; i++ {
			tmp[i] = b2u(op.holds(bytes.Compare(data[offs[i]-base:offs[i+1]-base], s)))
		}
	case arrow.DECIMAL128:
		d := v.(decimal128.Num)
		for i, x := range values[decimal128.Num](a) {
			tmp[i] = b2u(op.holds(x.Cmp(d)))
		}
	case arrow.BOOL:
		ba := a.(*array.Boolean)
		lv := boolInt(v.(bool))
		for i := 0; i < n; i++ {
			tmp[i] = b2u(op.holds(cmp.Compare(boolInt(ba.Value(i)), lv)))
		}
	default:
		packed = false
	}
	if !packed {
		buf.Release()
		return nil, fmt.Errorf("expr: cannot compare values of type %s", TypeName(a.DataType()))
	}
	packBools(tmp, out)
	return boolArray(n, andValidity(mem, n, a), buf), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compareArrays(mem memory.Allocator, op cmpOp, a, b arrow.Array, scratch *[]byte) (arrow.Array, error) {
	n := a.Len()
	if a.DataType().ID() == arrow.NULL || b.DataType().ID() == arrow.NULL {
		return array.MakeArrayOfNull(mem, Bool, n), nil
	}
	buf, out := allocBits(mem, n)
	tmp := growScratch(scratch, n)
	switch a.DataType().ID() {
	case arrow.INT8:
		cmpVecT(op, values[int8](a), values[int8](b), tmp)
	case arrow.INT16:
		cmpVecT(op, values[int16](a), values[int16](b), tmp)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		cmpVecT(op, values[int32](a), values[int32](b), tmp)
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		cmpVecT(op, values[int64](a), values[int64](b), tmp)
	case arrow.FLOAT32:
		cmpVecT(op, values[float32](a), values[float32](b), tmp)
	case arrow.FLOAT64:
		cmpVecT(op, values[float64](a), values[float64](b), tmp)
	case arrow.STRING:
		sa, sb := a.(*array.String), b.(*array.String)
		for i := 0; i < n; i++ {
			tmp[i] = b2u(op.holds(strings.Compare(sa.Value(i), sb.Value(i))))
		}
	case arrow.DECIMAL128:
		da, db := values[decimal128.Num](a), values[decimal128.Num](b)
		for i := range da {
			tmp[i] = b2u(op.holds(da[i].Cmp(db[i])))
		}
	case arrow.BOOL:
		ba, bb := a.(*array.Boolean), b.(*array.Boolean)
		for i := 0; i < n; i++ {
			tmp[i] = b2u(op.holds(cmp.Compare(boolInt(ba.Value(i)), boolInt(bb.Value(i)))))
		}
	default:
		buf.Release()
		return nil, fmt.Errorf("expr: cannot compare values of type %s", TypeName(a.DataType()))
	}
	packBools(tmp, out)
	return boolArray(n, andValidity(mem, n, a, b), buf), nil
}

// cmpLitT and cmpVecT write one 0/1 byte per row; the op switch sits outside the loops so
// each loop is a tight, branch-free compare the compiler keeps in registers.
func cmpLitT[T cmp.Ordered](op cmpOp, a []T, s T, r []byte) {
	r = r[:len(a)]
	switch op {
	case opEq:
		for i, v := range a {
			r[i] = b2u(v == s)
		}
	case opNe:
		for i, v := range a {
			r[i] = b2u(v != s)
		}
	case opLt:
		for i, v := range a {
			r[i] = b2u(v < s)
		}
	case opLe:
		for i, v := range a {
			r[i] = b2u(v <= s)
		}
	case opGt:
		for i, v := range a {
			r[i] = b2u(v > s)
		}
	case opGe:
		for i, v := range a {
			r[i] = b2u(v >= s)
		}
	}
}

func cmpVecT[T cmp.Ordered](op cmpOp, a, b []T, r []byte) {
	r = r[:len(a)]
	b = b[:len(a)]
	switch op {
	case opEq:
		for i, v := range a {
			r[i] = b2u(v == b[i])
		}
	case opNe:
		for i, v := range a {
			r[i] = b2u(v != b[i])
		}
	case opLt:
		for i, v := range a {
			r[i] = b2u(v < b[i])
		}
	case opLe:
		for i, v := range a {
			r[i] = b2u(v <= b[i])
		}
	case opGt:
		for i, v := range a {
			r[i] = b2u(v > b[i])
		}
	case opGe:
		for i, v := range a {
			r[i] = b2u(v >= b[i])
		}
	}
}

// buildDistinct implements IS [NOT] DISTINCT FROM: equality where NULL equals NULL; the
// result is never NULL.
func buildDistinct(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	var scratch []byte
	distinct := call.Func == "is_distinct_from"
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		a, b := in[0], in[1]
		buf, out := allocBits(mem, n)
		var eq arrow.Array
		if a.DataType().ID() != arrow.NULL {
			var err error
			if eq, err = compareArrays(mem, opEq, a, b, &scratch); err != nil {
				buf.Release()
				return nil, err
			}
			defer eq.Release()
		}
		for i := 0; i < n; i++ {
			an, bn := a.IsNull(i), b.IsNull(i)
			same := an && bn || !an && !bn && eq.(*array.Boolean).Value(i)
			if same != distinct {
				out[i/8] |= 1 << (i % 8)
			}
		}
		return boolArray(n, nil, buf), nil
	})
}
