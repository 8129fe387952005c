package exec

// intTable maps int64 keys to group ids with open addressing and linear probing. It is the
// per-window key index of a single-integer-key aggregation: about twice as fast as a Go map
// for this use, and reusable after a window fires (reset keeps its memory).
type intTable struct {
	keys  []int64
	vals  []int32 // -1: empty slot
	mask  uint64
	count int
}

func newIntTable(hint int) *intTable {
	n := 16
	for n < hint*2 {
		n <<= 1
	}
	t := &intTable{keys: make([]int64, n), vals: make([]int32, n), mask: uint64(n - 1)}
	for i := range t.vals {
		t.vals[i] = -1
	}
	return t
}

func hashInt(k int64) uint64 {
	h := uint64(k) * 0x9E3779B97F4A7C15
	return h ^ (h >> 29)
}

// get returns the group of k, or -1.
func (t *intTable) get(k int64) int32 {
	for i := hashInt(k) & t.mask; ; i = (i + 1) & t.mask {
		v := t.vals[i]
		if v < 0 || t.keys[i] == k {
			return v
		}
	}
}

// put stores k -> g; k must not be present.
func (t *intTable) put(k int64, g int32) {
	if 2*(t.count+1) > len(t.vals) {
		t.grow()
	}
	i := hashInt(k) & t.mask
	for t.vals[i] >= 0 {
		i = (i + 1) & t.mask
	}
	t.keys[i], t.vals[i] = k, g
	t.count++
}

func (t *intTable) grow() {
	old := *t
	n := 2 * len(old.vals)
	t.keys, t.vals, t.mask, t.count = make([]int64, n), make([]int32, n), uint64(n-1), 0
	for i := range t.vals {
		t.vals[i] = -1
	}
	for i, v := range old.vals {
		if v >= 0 {
			t.put(old.keys[i], v)
		}
	}
}

// reset empties the table, keeping its memory.
func (t *intTable) reset() {
	for i := range t.vals {
		t.vals[i] = -1
	}
	t.count = 0
}
