package expr

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Evaluator evaluates one compiled expression over whole batches.
//
// Contract: Eval returns an array of b.NumRows() rows of the expression's type, which the
// caller releases; the input batch is not retained. An Evaluator holds per-operator state
// (compiled regexps, scratch buffers) and is not safe for concurrent use: compile one per
// operator instance. Errors mean an impossible plan (a column of the wrong type); data
// problems (division by zero, unparsable strings) yield NULL.
type Evaluator interface {
	Eval(b arrow.RecordBatch) (arrow.Array, error)
}

type evalFunc func(b arrow.RecordBatch) (arrow.Array, error)

type evaluator struct {
	e  Expr
	fn evalFunc
}

func (e *evaluator) Eval(b arrow.RecordBatch) (arrow.Array, error) { return e.fn(b) }
func (e *evaluator) String() string                                { return e.e.String() }

// Compile prepares e for evaluation with output buffers from mem.
func Compile(e Expr, mem memory.Allocator) (Evaluator, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	c := &compiler{mem: mem}
	fn, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	return &evaluator{e: e, fn: fn}, nil
}

type compiler struct{ mem memory.Allocator }

func (c *compiler) compile(e Expr) (evalFunc, error) {
	switch e := e.(type) {
	case *Column:
		idx, t := e.Index, e.T
		return func(b arrow.RecordBatch) (arrow.Array, error) {
			if idx < 0 || idx >= int(b.NumCols()) {
				return nil, fmt.Errorf("expr: column %d (%s) out of range of a %d-column batch", idx, e.Name, b.NumCols())
			}
			col := b.Column(idx)
			if !arrow.TypeEqual(col.DataType(), t) {
				return nil, fmt.Errorf("expr: column %d (%s) is %s in the batch, %s in the plan", idx, e.Name, TypeName(col.DataType()), TypeName(t))
			}
			col.Retain()
			return col, nil
		}, nil
	case *Literal:
		mem := c.mem
		return func(b arrow.RecordBatch) (arrow.Array, error) {
			return broadcast(mem, e, int(b.NumRows()))
		}, nil
	case *Call:
		def, ok := registry[e.Func]
		if !ok || def.build == nil {
			return nil, fmt.Errorf("expr: no implementation for function %q", e.Func)
		}
		return def.build(c, e)
	case *Case:
		return c.compileCase(e)
	case nil:
		return nil, fmt.Errorf("expr: nil expression")
	}
	return nil, fmt.Errorf("expr: cannot compile %T", e)
}

// kernel is the common shape of a function implementation: all arguments evaluated to
// arrays of n rows, which the kernel must not release.
type kernel func(args []arrow.Array, n int) (arrow.Array, error)

// withArgs compiles args and returns an evalFunc that evaluates them and applies k.
func (c *compiler) withArgs(args []Expr, k kernel) (evalFunc, error) {
	evs := make([]evalFunc, len(args))
	for i, a := range args {
		ev, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		evs[i] = ev
	}
	return func(b arrow.RecordBatch) (arrow.Array, error) {
		in := make([]arrow.Array, len(evs))
		defer func() {
			for _, a := range in {
				if a != nil {
					a.Release()
				}
			}
		}()
		for i, ev := range evs {
			a, err := ev(b)
			if err != nil {
				return nil, err
			}
			in[i] = a
		}
		return k(in, int(b.NumRows()))
	}, nil
}

// literalArg reports the value of args[i] when it is a literal (ok is false otherwise).
func literalArg(args []Expr, i int) (v any, ok bool) {
	if i >= len(args) {
		return nil, false
	}
	l, ok := args[i].(*Literal)
	if !ok {
		return nil, false
	}
	return l.Value, true
}

// foldConst evaluates a deterministic call whose arguments are all literals, at plan time.
// On any failure it returns e unchanged; evaluation then reports the problem.
func foldConst(e Expr) Expr {
	c, ok := e.(*Call)
	if !ok {
		return e
	}
	def := registry[c.Func]
	if def == nil || def.volatile || def.build == nil {
		return e
	}
	for _, a := range c.Args {
		if _, ok := a.(*Literal); !ok {
			return e
		}
	}
	ev, err := Compile(c, memory.DefaultAllocator)
	if err != nil {
		return e
	}
	b := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer b.Release()
	out, err := ev.Eval(b)
	if err != nil {
		return e
	}
	defer out.Release()
	if out.Len() != 1 {
		return e
	}
	v := valueAt(out, 0)
	if v == nil && out.IsValid(0) {
		return e // a type valueAt does not know
	}
	return &Literal{Value: v, T: c.T}
}

// Select returns the indexes of the rows of b where the boolean expression ev is TRUE
// (NULL counts as false), in ascending order. It returns nil when no row qualifies.
func Select(ev Evaluator, b arrow.RecordBatch) ([]int32, error) {
	mask, err := ev.Eval(b)
	if err != nil {
		return nil, err
	}
	defer mask.Release()
	return SelectMask(mask)
}

// SelectMask is Select over an already evaluated boolean array.
func SelectMask(mask arrow.Array) ([]int32, error) {
	bm, ok := mask.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("expr: filter condition is %s, not BOOLEAN", TypeName(mask.DataType()))
	}
	n := bm.Len()
	vals := alignedBits(bm, 1)
	valid := alignedBits(bm, 0)
	if bm.NullN() == 0 {
		valid = nil
	}
	var idx []int32
	for j := 0; j < len(vals) && j*8 < n; j++ {
		w := vals[j]
		if valid != nil {
			w &= valid[j]
		}
		if w == 0 {
			continue
		}
		if idx == nil {
			idx = make([]int32, 0, n)
		}
		for w != 0 {
			i := j*8 + bits.TrailingZeros8(w)
			if i >= n {
				break
			}
			idx = append(idx, int32(i))
			w &= w - 1
		}
	}
	return idx, nil
}

// TakeBatch returns a new batch of the rows idx of b (idx must be in range).
func TakeBatch(mem memory.Allocator, b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	ctx := compute.WithAllocator(context.Background(), mem)
	ib := memory.NewBufferBytes(arrow.GetBytes(idx))
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{nil, ib}, nil, 0, 0)
	indices := array.NewInt32Data(data)
	data.Release()
	defer indices.Release()
	cols := make([]arrow.Array, b.NumCols())
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, col := range b.Columns() {
		out, err := compute.TakeArrayOpts(ctx, col, indices, compute.TakeOptions{BoundsCheck: false})
		if err != nil {
			release()
			return nil, err
		}
		cols[i] = out
	}
	res := array.NewRecordBatch(b.Schema(), cols, int64(len(idx)))
	release()
	return res, nil
}

// Filter evaluates the boolean condition ev over b and returns the rows where it is TRUE.
// When every row qualifies it returns b itself, retained, without copying.
func Filter(mem memory.Allocator, ev Evaluator, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	idx, err := Select(ev, b)
	if err != nil {
		return nil, err
	}
	if len(idx) == int(b.NumRows()) {
		b.Retain()
		return b, nil
	}
	return TakeBatch(mem, b, idx)
}
