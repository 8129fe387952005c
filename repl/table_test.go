package repl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eddysql/eddy/exec"
)

func shown(m *materialized) []string {
	var out []string
	for _, r := range m.first(100) {
		c := r.appendCells(nil)
		out = append(out, c[0]+"="+c[1])
	}
	return out
}

func TestMaterializedUpdatesInPlace(t *testing.T) {
	mem := checkedMem(t)
	m := newMaterialized()
	apply := func(rows ...kv) {
		b, kinds := kvBatch(mem, rows...)
		defer b.Release()
		m.apply(b, kinds)
	}
	apply(kv{exec.Insert, "a", 1}, kv{exec.Insert, "b", 1}, kv{exec.Insert, "c", 1})
	assert.Equal(t, []string{"a=1", "b=1", "c=1"}, shown(m))

	// An update of b stays where b was, also when -U and +U arrive in different batches.
	apply(kv{exec.UpdateBefore, "b", 1})
	apply(kv{exec.UpdateAfter, "b", 2})
	assert.Equal(t, []string{"a=1", "b=2", "c=1"}, shown(m))

	// Several updates in one batch, -U's before +U's: each goes back to its place.
	apply(kv{exec.UpdateBefore, "a", 1}, kv{exec.UpdateBefore, "c", 1}, kv{exec.UpdateAfter, "a", 5}, kv{exec.UpdateAfter, "c", 7})
	assert.Equal(t, []string{"a=5", "b=2", "c=7"}, shown(m))

	// -D removes; +I appends; NULL keys are rows too.
	apply(kv{exec.Delete, "b", 2}, kv{exec.Insert, "", 3})
	assert.Equal(t, []string{"a=5", "c=7", "<NULL>=3"}, shown(m))
	assert.Equal(t, 3, m.live)

	// A retraction of a row never seen changes nothing; equal rows each count.
	apply(kv{exec.Delete, "zz", 9}, kv{exec.Insert, "a", 5})
	assert.Equal(t, []string{"a=5", "c=7", "<NULL>=3", "a=5"}, shown(m))
	apply(kv{exec.Delete, "a", 5})
	assert.Equal(t, []string{"a=5", "c=7", "<NULL>=3"}, shown(m))

	// Sorted for text output: NULL first, then by value.
	assert.Equal(t, [][]string{{"<NULL>", "3"}, {"a", "5"}, {"c", "7"}}, m.sorted())
}

func TestMaterializedCompacts(t *testing.T) {
	mem := checkedMem(t)
	m := newMaterialized()
	var ins, del []kv
	for i := 0; i < 3000; i++ {
		ins = append(ins, kv{exec.Insert, string(rune('a' + i%26)), int64(i)})
		if i%3 != 0 {
			del = append(del, kv{exec.Delete, string(rune('a' + i%26)), int64(i)})
		}
	}
	for _, rows := range [][]kv{ins, del} {
		b, kinds := kvBatch(mem, rows...)
		m.apply(b, kinds)
		b.Release()
	}
	assert.Equal(t, 1000, m.live)
	assert.Equal(t, 1000, len(m.slots), "free slots were dropped")
	first := m.first(2)
	assert.Equal(t, []string{"a", "0"}, first[0].appendCells(nil))
	assert.Equal(t, []string{"d", "3"}, first[1].appendCells(nil))
	for r, at := range m.index {
		assert.Equal(t, rowText(r), m.slots[at[0]])
	}
}
