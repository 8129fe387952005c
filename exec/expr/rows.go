package expr

// Row-at-a-time kernels for functions whose per-value work dwarfs the loop overhead
// (string, time, JSON, parsing casts). They still write typed output buffers directly and
// never box values in interfaces.

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// mapFixed builds an n-row array of type t: rows NULL in any of ins stay NULL, other rows
// get f(i), or NULL when f reports false.
func mapFixed[T arrow.FixedWidthType](mem memory.Allocator, t arrow.DataType, n int, ins []arrow.Array, f func(i int) (T, bool)) arrow.Array {
	buf, out := allocFixed[T](mem, n)
	validity, vb := ensureValidity(mem, andValidity(mem, n, ins...), n)
	for i := 0; i < n; i++ {
		if vb[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		v, ok := f(i)
		if !ok {
			vb[i/8] &^= 1 << (i % 8)
			continue
		}
		out[i] = v
	}
	return newArray(t, n, validity, buf)
}

// mapBool is mapFixed for BOOLEAN results.
func mapBool(mem memory.Allocator, n int, ins []arrow.Array, f func(i int) (v, ok bool)) arrow.Array {
	buf, out := allocBits(mem, n)
	validity, vb := ensureValidity(mem, andValidity(mem, n, ins...), n)
	for i := 0; i < n; i++ {
		if vb[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		v, ok := f(i)
		if !ok {
			vb[i/8] &^= 1 << (i % 8)
			continue
		}
		if v {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return boolArray(n, validity, buf)
}

// mapString builds a STRING array; f appends row i's value to dst and returns it, or
// reports false for NULL. dst is a scratch buffer reused across rows.
func mapString(mem memory.Allocator, n int, ins []arrow.Array, f func(i int, dst []byte) ([]byte, bool)) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	var scratch []byte
	anyNulls := false
	for _, a := range ins {
		if a.NullN() > 0 {
			anyNulls = true
		}
	}
	for i := 0; i < n; i++ {
		if anyNulls {
			null := false
			for _, a := range ins {
				if a.IsNull(i) {
					null = true
					break
				}
			}
			if null {
				b.AppendNull()
				continue
			}
		}
		v, ok := f(i, scratch[:0])
		if !ok {
			b.AppendNull()
			continue
		}
		b.BinaryBuilder.Append(v)
		scratch = v
	}
	return b.NewArray()
}

// strs is the STRING view of an argument (nil-safe for NULL-typed arrays).
func strs(a arrow.Array) *array.String {
	s, _ := a.(*array.String)
	return s
}

func int64s(a arrow.Array) []int64 {
	if a.DataType().ID() == arrow.NULL {
		return make([]int64, a.Len())
	}
	return values[int64](a)
}

func float64s(a arrow.Array) []float64 {
	if a.DataType().ID() == arrow.NULL {
		return make([]float64, a.Len())
	}
	return values[float64](a)
}
