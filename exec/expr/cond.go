package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func registerCond() {
	register("coalesce", "COALESCE(a, b, ...) -> common type", "first argument that is not NULL", checkUnifyAll(0), buildCoalesce, "ifnull")
	register("nullif", "NULLIF(a, b) -> type of a", "NULL if a = b, else a", checkNullif, buildNullif)
	register("if", "IF(cond BOOLEAN, a, b) -> common type", "a when cond is TRUE, else b (also when cond is NULL)", checkIf, buildIf)
	register("in", "a IN (v1, v2, ...) -> BOOLEAN", "membership; NULL when a is NULL, or when not found and the list holds a NULL", checkIn, buildIn)
	register("not_in", "a NOT IN (v1, v2, ...) -> BOOLEAN", "NOT (a IN (...))", checkIn, nil)
	register("between", "BETWEEN(a, lo, hi) -> BOOLEAN", "a >= lo AND a <= hi", checkBetween, nil)
	register("not_between", "NOT_BETWEEN(a, lo, hi) -> BOOLEAN", "a < lo OR a > hi", checkBetween, nil)
	register("greatest", "GREATEST(a, b, ...) -> common type", "largest argument; NULL if any is NULL", checkUnifyAll(0), buildGreatest)
	register("least", "LEAST(a, b, ...) -> common type", "smallest argument; NULL if any is NULL", checkUnifyAll(0), buildGreatest)
}

// unifyAll casts every expression to their common type.
func unifyAll(what string, es []Expr) ([]Expr, arrow.DataType, error) {
	var t arrow.DataType = Null
	for _, e := range es {
		nt := commonType(t, e.Type())
		if nt == nil {
			return nil, nil, typeErrorf("%s: cannot mix %s and %s; CAST one side", what, TypeName(t), TypeName(e.Type()))
		}
		t = nt
	}
	if isNull(t) {
		t = String
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = castTo(e, t)
	}
	return out, t, nil
}

func checkUnifyAll(from int) checkFn {
	return func(name string, args []Expr) (Expr, error) {
		if err := arity(name, len(args), 1, -1); err != nil {
			return nil, err
		}
		out, t, err := unifyAll(strings.ToUpper(name), args)
		if err != nil {
			return nil, err
		}
		return &Call{Func: name, Args: out, T: t}, nil
	}
}

func checkNullif(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 2, 2); err != nil {
		return nil, err
	}
	a, b, err := unify2(args[0], args[1], "compare")
	if err != nil {
		return nil, err
	}
	return &Call{Func: name, Args: []Expr{a, b}, T: a.Type()}, nil
}

func checkIf(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 3, 3); err != nil {
		return nil, err
	}
	cond, err := coerce(name, 0, args[0], kBool)
	if err != nil {
		return nil, err
	}
	out, t, err := unifyAll("IF", args[1:])
	if err != nil {
		return nil, err
	}
	return &Call{Func: name, Args: []Expr{cond, out[0], out[1]}, T: t}, nil
}

func checkBetween(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 3, 3); err != nil {
		return nil, err
	}
	if name == "between" {
		lo, err := NewCall(">=", args[0], args[1])
		if err != nil {
			return nil, err
		}
		hi, err := NewCall("<=", args[0], args[2])
		if err != nil {
			return nil, err
		}
		return NewCall("and", lo, hi)
	}
	lo, err := NewCall("<", args[0], args[1])
	if err != nil {
		return nil, err
	}
	hi, err := NewCall(">", args[0], args[2])
	if err != nil {
		return nil, err
	}
	return NewCall("or", lo, hi)
}

// checkIn keeps a list of constants as one IN call (a hash set at run time); a list with
// expressions becomes an OR of equalities.
func checkIn(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 2, -1); err != nil {
		return nil, err
	}
	allLit := true
	for _, a := range args[1:] {
		if _, ok := a.(*Literal); !ok {
			allLit = false
		}
	}
	var e Expr
	if allLit {
		out, _, err := unifyAll("IN", args)
		if err != nil {
			return nil, typeErrorf("cannot compare %s with the IN list; CAST one side", TypeName(args[0].Type()))
		}
		if !comparableType(out[0].Type()) {
			return nil, typeErrorf("IN is not supported for %s", TypeName(out[0].Type()))
		}
		e = &Call{Func: "in", Args: out, T: Bool}
	} else {
		var err error
		terms := make([]Expr, len(args)-1)
		for i, a := range args[1:] {
			if terms[i], err = NewCall("=", args[0], a); err != nil {
				return nil, err
			}
		}
		if len(terms) == 1 {
			e = terms[0]
		} else if e, err = NewCall("or", terms...); err != nil {
			return nil, err
		}
	}
	if name == "not_in" {
		return NewCall("not", e)
	}
	return e, nil
}

func buildIn(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	_ = call.Args[0].Type()
	hasNull := false
	var ints map[int64]struct{}
	var floats map[float64]struct{}
	var strs map[string]struct{}
	var decs map[decimal128.Num]struct{}
	var bools [2]bool
	for _, a := range call.Args[1:] {
		v := a.(*Literal).Value
		switch v := v.(type) {
		case nil:
			hasNull = true
		case int64:
			if ints == nil {
				ints = map[int64]struct{}{}
			}
			ints[v] = struct{}{}
		case float64:
			if floats == nil {
				floats = map[float64]struct{}{}
			}
			floats[v] = struct{}{}
		case string:
			if strs == nil {
				strs = map[string]struct{}{}
			}
			strs[v] = struct{}{}
		case decimal128.Num:
			if decs == nil {
				decs = map[decimal128.Num]struct{}{}
			}
			decs[v] = struct{}{}
		case bool:
			bools[boolInt(v)] = true
		}
	}
	return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		vbuf, out := allocBits(mem, n)
		found := func(i int, ok bool) {
			if ok {
				out[i/8] |= 1 << (i % 8)
			}
		}
		switch a.DataType().ID() {
		case arrow.INT8:
			for i, x := range values[int8](a) {
				_, ok := ints[int64(x)]
				found(i, ok)
			}
		case arrow.INT16:
			for i, x := range values[int16](a) {
				_, ok := ints[int64(x)]
				found(i, ok)
			}
		case arrow.INT32, arrow.DATE32, arrow.TIME32:
			for i, x := range values[int32](a) {
				_, ok := ints[int64(x)]
				found(i, ok)
			}
		case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
			for i, x := range values[int64](a) {
				_, ok := ints[x]
				found(i, ok)
			}
		case arrow.FLOAT32:
			for i, x := range values[float32](a) {
				_, ok := floats[float64(x)]
				found(i, ok)
			}
		case arrow.FLOAT64:
			for i, x := range values[float64](a) {
				_, ok := floats[x]
				found(i, ok)
			}
		case arrow.DECIMAL128:
			for i, x := range values[decimal128.Num](a) {
				_, ok := decs[x]
				found(i, ok)
			}
		case arrow.STRING:
			sa := a.(*array.String)
			for i := 0; i < n; i++ {
				_, ok := strs[sa.Value(i)]
				found(i, ok)
			}
		case arrow.BOOL:
			ba := a.(*array.Boolean)
			for i := 0; i < n; i++ {
				found(i, bools[boolInt(ba.Value(i))])
			}
		case arrow.NULL:
		default:
			vbuf.Release()
			return nil, fmt.Errorf("expr: IN over %s", TypeName(a.DataType()))
		}
		validity := andValidity(mem, n, a)
		if hasNull { // not found => NULL
			var vb []byte
			validity, vb = ensureValidity(mem, validity, n)
			for j := range (n + 7) / 8 {
				vb[j] &= out[j]
			}
		}
		return boolArray(n, validity, vbuf), nil
	})
}

// pick builds an array of type t whose row i is row i of srcs[which[i]], or NULL when
// which[i] < 0. It is the gather step of COALESCE, IF, NULLIF and CASE.
func pick(mem memory.Allocator, t arrow.DataType, n int, srcs []arrow.Array, which []int32) (arrow.Array, error) {
	vbuf, valid := allocBits(mem, n)
	for i, w := range which {
		if w >= 0 && srcs[w].IsValid(i) {
			valid[i/8] |= 1 << (i % 8)
		} else {
			which[i] = -1
		}
	}
	switch t.ID() {
	case arrow.NULL:
		vbuf.Release()
		return array.NewNull(n), nil
	case arrow.BOOL:
		buf, out := allocBits(mem, n)
		for i, w := range which {
			if w >= 0 && srcs[w].(*array.Boolean).Value(i) {
				out[i/8] |= 1 << (i % 8)
			}
		}
		return boolArray(n, vbuf, buf), nil
	case arrow.STRING:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i, w := range which {
			if w < 0 {
				b.AppendNull()
			} else {
				b.Append(srcs[w].(*array.String).Value(i))
			}
		}
		vbuf.Release()
		return b.NewArray(), nil
	}
	fw, ok := t.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		vbuf.Release()
		return nil, fmt.Errorf("expr: cannot select values of type %s", TypeName(t))
	}
	w := fw.BitWidth() / 8
	raw := make([][]byte, len(srcs))
	for k, s := range srcs {
		raw[k] = s.Data().Buffers()[1].Bytes()[s.Data().Offset()*w:]
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * w)
	out := buf.Bytes()
	if w == 8 {
		o := arrow.GetData[int64](out)
		for i, k := range which {
			if k >= 0 {
				o[i] = arrow.GetData[int64](raw[k][i*8 : i*8+8])[0]
			} else {
				o[i] = 0
			}
		}
	} else {
		for i, k := range which {
			if k >= 0 {
				copy(out[i*w:(i+1)*w], raw[k][i*w:(i+1)*w])
			} else {
				clear(out[i*w : (i+1)*w])
			}
		}
	}
	return newArray(t, n, vbuf, buf), nil
}

func buildCoalesce(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		if in[0].NullN() == 0 {
			in[0].Retain()
			return in[0], nil
		}
		which := make([]int32, n)
		for i := range which {
			which[i] = -1
			for k, a := range in {
				if a.IsValid(i) {
					which[i] = int32(k)
					break
				}
			}
		}
		return pick(mem, t, n, in, which)
	})
}

func buildNullif(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	var scratch []byte
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		eq, err := compareArrays(mem, opEq, in[0], in[1], &scratch)
		if err != nil {
			return nil, err
		}
		defer eq.Release()
		e := eq.(*array.Boolean)
		which := make([]int32, n)
		for i := range which {
			if e.IsValid(i) && e.Value(i) {
				which[i] = -1
			}
		}
		return pick(mem, t, n, in[:1], which)
	})
}

func buildIf(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		which := make([]int32, n)
		truth := isTrueBits(in[0])
		for i := range which {
			if !bitutil.BitIsSet(truth, i) {
				which[i] = 1
			}
		}
		return pick(mem, t, n, in[1:], which)
	})
}

// isTrueBits is a bitmap of rows where a boolean array is TRUE (not NULL, not FALSE).
func isTrueBits(a arrow.Array) []byte {
	n := a.Len()
	out := make([]byte, (n+7)/8)
	if a.DataType().ID() == arrow.NULL {
		return out
	}
	copy(out, boolVals(a))
	if d := validBits(a); d != nil {
		for j := range out {
			out[j] &= d[j]
		}
	}
	return out
}

func buildGreatest(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	sign := 1
	if call.Func == "least" {
		sign = -1
	}
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		which := make([]int32, n)
	rows:
		for i := range which {
			for _, a := range in {
				if a.IsNull(i) {
					which[i] = -1
					continue rows
				}
			}
			for k := 1; k < len(in); k++ {
				if cmpRow(in[k], in[which[i]], i)*sign > 0 {
					which[i] = int32(k)
				}
			}
		}
		return pick(mem, t, n, in, which)
	})
}

// cmpRow compares row i of two arrays of one type; for rare, row-at-a-time paths.
func cmpRow(a, b arrow.Array, i int) int {
	switch a := a.(type) {
	case *array.String:
		return strings.Compare(a.Value(i), b.(*array.String).Value(i))
	case *array.Decimal128:
		return a.Value(i).Cmp(b.(*array.Decimal128).Value(i))
	case *array.Float64:
		return cmpOrdered(a.Value(i), b.(*array.Float64).Value(i))
	case *array.Float32:
		return cmpOrdered(a.Value(i), b.(*array.Float32).Value(i))
	case *array.Boolean:
		return boolInt(a.Value(i)) - boolInt(b.(*array.Boolean).Value(i))
	}
	x, y := valueAt(a, i), valueAt(b, i)
	if xi, ok := x.(int64); ok {
		return cmpOrdered(xi, y.(int64))
	}
	return 0
}

func cmpOrdered[T int64 | float64 | float32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewCase type-checks a CASE expression: with an operand, every WHEN value must be
// comparable with it; without, every WHEN must be BOOLEAN. THEN and ELSE branches are cast
// to their common type, which is the result type.
func NewCase(operand Expr, whens []When, els Expr) (Expr, error) {
	if len(whens) == 0 {
		return nil, typeErrorf("CASE needs at least one WHEN")
	}
	out := make([]When, len(whens))
	branches := make([]Expr, 0, len(whens)+1)
	for i, w := range whens {
		if w.Cond == nil || w.Then == nil {
			return nil, typeErrorf("CASE: WHEN %d is incomplete", i+1)
		}
		cond := w.Cond
		if operand != nil {
			if _, err := NewCall("=", operand, w.Cond); err != nil {
				return nil, err
			}
		} else {
			var err error
			if cond, err = coerce("CASE WHEN", i, w.Cond, kBool); err != nil {
				return nil, typeErrorf("CASE: WHEN condition %d must be BOOLEAN, got %s", i+1, TypeName(w.Cond.Type()))
			}
		}
		out[i].Cond = cond
		branches = append(branches, w.Then)
	}
	if els != nil {
		branches = append(branches, els)
	}
	bs, t, err := unifyAll("CASE", branches)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Then = bs[i]
	}
	var e Expr
	if els != nil {
		e = bs[len(bs)-1]
	}
	return &Case{Operand: operand, Whens: out, Else: e, T: t}, nil
}

func (c *compiler) compileCase(e *Case) (evalFunc, error) {
	mem, t := c.mem, e.T
	conds := make([]Expr, len(e.Whens))
	args := make([]Expr, 0, 2*len(e.Whens)+1)
	for i, w := range e.Whens {
		conds[i] = w.Cond
		if e.Operand != nil {
			eq, err := NewCall("=", e.Operand, w.Cond)
			if err != nil {
				return nil, err
			}
			conds[i] = eq
		}
		args = append(args, conds[i])
	}
	for _, w := range e.Whens {
		args = append(args, w.Then)
	}
	if e.Else != nil {
		args = append(args, e.Else)
	}
	k := len(e.Whens)
	return c.withArgs(args, func(in []arrow.Array, n int) (arrow.Array, error) {
		which := make([]int32, n)
		for i := range which {
			which[i] = -2
		}
		for w := 0; w < k; w++ {
			truth := isTrueBits(in[w])
			for i := range which {
				if which[i] == -2 && bitutil.BitIsSet(truth, i) {
					which[i] = int32(w)
				}
			}
		}
		for i := range which {
			if which[i] == -2 {
				which[i] = -1
				if e.Else != nil {
					which[i] = int32(k)
				}
			}
		}
		return pick(mem, t, n, in[k:], which)
	})
}
