package exec

import "sort"

// timeEntry is an entry of a timeHeap: a time and what it stands for.
type timeEntry[V any] struct {
	at int64
	v  V
}

// timeHeap is a binary min-heap of entries by time, written out for its element types:
// container/heap's interface calls cost a third of the session operator's time. Entries
// with equal times come out in the order container/heap would give them.
type timeHeap[V any] []timeEntry[V]

// push adds v at time at.
func (h *timeHeap[V]) push(at int64, v V) {
	*h = append(*h, timeEntry[V]{at: at, v: v})
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].at <= a[i].at {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

// pop removes and returns the entry with the smallest time.
func (h *timeHeap[V]) pop() timeEntry[V] {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = timeEntry[V]{}
	a = a[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].at < a[c].at {
			c++
		}
		if a[i].at <= a[c].at {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top
}

// init orders an arbitrary slice into a heap.
func (h timeHeap[V]) init() {
	sort.Slice(h, func(i, j int) bool { return h[i].at < h[j].at }) // a sorted slice is a heap
}
