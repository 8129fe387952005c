package expr

// Functions over nested values: ARRAY (arrow List), MAP (arrow Map) and ROW (arrow Struct).
// x[i] reaches here as __item(x, i) from the parser.

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Registered from a variable initialiser, so they exist before funcs.go's init lists
// Functions.
var _ = registerNested()

func registerNested() bool {
	register("__item", "", "", checkItem, buildItem)
	register("cardinality", "CARDINALITY(x ARRAY or MAP) -> INT", "the number of elements of an array, or of entries of a map",
		checkCardinality, buildCardinality, "__cardinality")
	register("element", "ELEMENT(a ARRAY) -> the element type", "the only element of a one-element array; NULL when it is empty or has more than one",
		checkElement, buildElement)
	return true
}

// checkItem types x[i]: for ARRAY<T> i is an integer, 1-based, and the result is T (NULL
// when out of range); for MAP<K, V> i is cast to K and the result is V (NULL when absent).
func checkItem(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, typeErrorf("x[i] takes one subscript, got %d", len(args)-1)
	}
	x, i := args[0], args[1]
	switch t := x.Type().(type) {
	case *arrow.NullType:
		return NullLiteral(nil), nil
	case *arrow.ListType:
		if !isNull(i.Type()) && !isInt(i.Type()) {
			return nil, typeErrorf("an ARRAY subscript must be an integer (1-based), got %s: %s[%s]", TypeName(i.Type()), x, i)
		}
		return &Call{Func: name, Args: []Expr{x, castTo(i, BigInt)}, T: t.Elem()}, nil
	case *arrow.MapType:
		kt := t.KeyType()
		it := i.Type()
		if !isNull(it) && !arrow.TypeEqual(it, kt) && commonType(it, kt) == nil {
			return nil, typeErrorf("a key of %s must be %s, got %s: %s[%s]", TypeName(t), TypeName(kt), TypeName(it), x, i)
		}
		return &Call{Func: name, Args: []Expr{x, castTo(i, kt)}, T: t.ItemType()}, nil
	}
	return nil, typeErrorf("%s is %s; [] applies to ARRAY and MAP values", x, TypeName(x.Type()))
}

func checkCardinality(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 1, 1); err != nil {
		return nil, err
	}
	switch args[0].Type().(type) {
	case *arrow.NullType:
		return NullLiteral(Int), nil
	case *arrow.ListType, *arrow.MapType:
		return &Call{Func: name, Args: args, T: Int}, nil
	}
	return nil, typeErrorf("CARDINALITY: argument 1 must be ARRAY or MAP, got %s", TypeName(args[0].Type()))
}

func checkElement(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 1, 1); err != nil {
		return nil, err
	}
	switch t := args[0].Type().(type) {
	case *arrow.NullType:
		return NullLiteral(nil), nil
	case *arrow.ListType:
		return &Call{Func: name, Args: args, T: t.Elem()}, nil
	}
	return nil, typeErrorf("ELEMENT: argument 1 must be ARRAY, got %s", TypeName(args[0].Type()))
}

func buildCardinality(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		x, ok := in[0].(array.ListLike)
		if !ok {
			return nil, errNotNested(in[0])
		}
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) {
			s, e := x.ValueOffsets(i)
			return int32(e - s), true
		}), nil
	})
}

func buildElement(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		x, ok := in[0].(*array.List)
		if !ok {
			return nil, errNotNested(in[0])
		}
		return takeRows(mem, x.ListValues(), n, func(r int) int {
			if x.IsNull(r) {
				return -1
			}
			s, e := x.ValueOffsets(r)
			if e-s != 1 {
				return -1
			}
			return int(s)
		})
	})
}

func buildItem(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		k := in[1]
		switch x := in[0].(type) {
		case *array.Map:
			entries := x.ListValues().(*array.Struct)
			keys, items := entries.Field(0), entries.Field(1)
			if k.NullN() == n || keys.Len() == 0 {
				return array.MakeArrayOfNull(mem, items.DataType(), n), nil
			}
			eq := keyEqual(keys, k)
			return takeRows(mem, items, n, func(r int) int {
				if x.IsNull(r) || k.IsNull(r) {
					return -1
				}
				s, e := x.ValueOffsets(r)
				for j := e - 1; j >= s; j-- { // a repeated key: the last entry wins
					if eq(int(j), r) {
						return int(j)
					}
				}
				return -1
			})
		case *array.List:
			idx := int64s(k)
			return takeRows(mem, x.ListValues(), n, func(r int) int {
				if x.IsNull(r) || k.IsNull(r) {
					return -1
				}
				s, e := x.ValueOffsets(r)
				if i := idx[r]; i >= 1 && i <= e-s {
					return int(s + i - 1)
				}
				return -1
			})
		}
		return nil, errNotNested(in[0])
	})
}

func errNotNested(a arrow.Array) error {
	return typeErrorf("expr: %s is not an ARRAY or MAP array", strings.ToUpper(TypeName(a.DataType())))
}

// takeRows builds the n-row array whose row r is values[pick(r)], or NULL when pick
// returns -1. It works for values of any type, nested ones included.
func takeRows(mem memory.Allocator, values arrow.Array, n int, pick func(r int) int) (arrow.Array, error) {
	ib, idx := allocFixed[int32](mem, n)
	vb, valid := allocBits(mem, n)
	nulls := 0
	for r := 0; r < n; r++ {
		j := pick(r)
		if j < 0 {
			idx[r] = 0
			nulls++
			continue
		}
		idx[r] = int32(j)
		valid[r/8] |= 1 << (r % 8)
	}
	if nulls == n || values.Len() == 0 {
		ib.Release()
		vb.Release()
		return array.MakeArrayOfNull(mem, values.DataType(), n), nil
	}
	indices := newArray(arrow.PrimitiveTypes.Int32, n, vb, ib)
	defer indices.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	return compute.TakeArrayOpts(ctx, values, indices, compute.TakeOptions{BoundsCheck: false})
}

// keyEqual returns whether map key keys[j] equals the probe probe[r]; probe has the key type.
func keyEqual(keys, probe arrow.Array) func(j, r int) bool {
	switch ks := keys.(type) {
	case *array.String:
		ps := probe.(*array.String)
		return func(j, r int) bool { return ks.Value(j) == ps.Value(r) }
	case *array.Boolean:
		ps := probe.(*array.Boolean)
		return func(j, r int) bool { return ks.Value(j) == ps.Value(r) }
	}
	switch keys.DataType().ID() {
	case arrow.INT8:
		return eqFixed[int8](keys, probe)
	case arrow.INT16:
		return eqFixed[int16](keys, probe)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return eqFixed[int32](keys, probe)
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION, arrow.DATE64, arrow.TIME64:
		return eqFixed[int64](keys, probe)
	case arrow.FLOAT32:
		return eqFixed[float32](keys, probe)
	case arrow.FLOAT64:
		return eqFixed[float64](keys, probe)
	case arrow.DECIMAL128:
		return eqFixed[decimal128.Num](keys, probe)
	}
	return func(j, r int) bool { return keys.ValueStr(j) == probe.ValueStr(r) }
}

func eqFixed[T interface {
	arrow.FixedWidthType
	comparable
}](keys, probe arrow.Array) func(j, r int) bool {
	kv, pv := values[T](keys), values[T](probe)
	return func(j, r int) bool { return kv[j] == pv[r] }
}

// checkField types __field(row, 'name'): the field of a ROW value, matched by name
// (exactly first, then case-insensitively). The planner emits it for `row.name`.
func checkField(name string, args []Expr) (Expr, error) {
	if err := arity(name, len(args), 2, 2); err != nil {
		return nil, err
	}
	st, ok := args[0].Type().(*arrow.StructType)
	if !ok {
		return nil, typeErrorf("%s is %s, not a ROW: only ROW values have fields", args[0].String(), TypeName(args[0].Type()))
	}
	lit, ok := args[1].(*Literal)
	fname, isStr := lit.Value.(string)
	if !ok || !isStr {
		return nil, typeErrorf("a ROW field is named by a constant")
	}
	idx := -1
	for i, f := range st.Fields() {
		if f.Name == fname {
			idx = i
			break
		}
		if idx < 0 && strings.EqualFold(f.Name, fname) {
			idx = i
		}
	}
	if idx < 0 {
		var names []string
		for _, f := range st.Fields() {
			names = append(names, f.Name)
		}
		return nil, typeErrorf("ROW %s has no field '%s'; its fields are: %s", args[0].String(), fname, strings.Join(names, ", "))
	}
	return &Call{Func: name, Args: []Expr{args[0], &Literal{Value: int64(idx), T: BigInt}}, T: st.Field(idx).Type}, nil
}

func buildField(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	idx := int(call.Args[1].(*Literal).Value.(int64))
	return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
		x, ok := in[0].(*array.Struct)
		if !ok {
			return nil, errNotNested(in[0])
		}
		// A NULL row has NULL fields, whatever its child array holds.
		return takeRows(mem, x.Field(idx), n, func(r int) int {
			if x.IsNull(r) {
				return -1
			}
			return r
		})
	})
}

var _ = register("__field", "", "", checkField, buildField)
