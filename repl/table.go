package repl

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/exec"
)

// materialized is the table a changelog describes, kept so that an update replaces its row
// where it stands: a -U frees its row's slot and the next +U fills the oldest freed slot,
// so a GROUP BY's rows stay in place while their values change. +I appends; -D removes.
// Rows are a multiset: equal rows each have a slot.
type materialized struct {
	slots []rowText // "" is a free slot
	live  int
	index map[string][]int32 // slots holding each row
	holes []int32            // slots freed by -U, oldest first, for the next +U
	key   []byte
}

func newMaterialized() *materialized {
	return &materialized{index: map[string][]int32{}}
}

// apply applies the rows of b with their kinds (nil: all inserts).
func (m *materialized) apply(b arrow.RecordBatch, kinds []exec.RowKind) {
	n := int(b.NumRows())
	for r := 0; r < n; r++ {
		m.key = appendRowKey(m.key[:0], b, r)
		kind := exec.Insert
		if kinds != nil {
			kind = kinds[r]
		}
		if kind.IsRetract() {
			m.retract(kind)
		} else {
			m.insert(kind)
		}
	}
	if free := len(m.slots) - m.live; free > 1024 && free > m.live {
		m.compact()
	}
}

func (m *materialized) retract(kind exec.RowKind) {
	at, ok := m.index[string(m.key)]
	if !ok {
		return // a retraction of a row never seen: nothing to remove
	}
	s := at[len(at)-1]
	if len(at) == 1 {
		delete(m.index, string(m.key))
	} else {
		m.index[string(m.key)] = at[:len(at)-1]
	}
	m.slots[s] = ""
	m.live--
	if kind == exec.UpdateBefore {
		m.holes = append(m.holes, s)
	}
}

func (m *materialized) insert(kind exec.RowKind) {
	row := rowText(m.key)
	s := int32(-1)
	if kind == exec.UpdateAfter {
		for len(m.holes) > 0 && s < 0 {
			if h := m.holes[0]; m.slots[h] == "" {
				s = h
			}
			m.holes = m.holes[1:]
		}
	}
	if s < 0 {
		s = int32(len(m.slots))
		m.slots = append(m.slots, "")
	}
	m.slots[s] = row
	m.index[string(row)] = append(m.index[string(row)], s)
	m.live++
}

// compact drops free slots, keeping the order of the rows.
func (m *materialized) compact() {
	out := m.slots[:0]
	for _, r := range m.slots {
		if r != "" {
			out = append(out, r)
		}
	}
	clear(m.slots[len(out):])
	m.slots = out
	m.holes = m.holes[:0]
	clear(m.index)
	for i, r := range m.slots {
		m.index[string(r)] = append(m.index[string(r)], int32(i))
	}
}

// first returns up to n rows in their places, and how many rows there are.
func (m *materialized) first(n int) []rowText {
	out := make([]rowText, 0, min(n, m.live))
	for _, r := range m.slots {
		if len(out) >= n {
			break
		}
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// sorted returns every row, sorted column by column (numbers by value, NULL first) as
// eddy run --format table prints them, so that text output does not depend on the order
// the changelog arrived in.
func (m *materialized) sorted() [][]string {
	out := make([][]string, 0, m.live)
	for _, r := range m.slots {
		if r != "" {
			out = append(out, r.appendCells(nil))
		}
	}
	engine.SortRows(out)
	return out
}
