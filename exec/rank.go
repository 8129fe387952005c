package exec

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SortKey is one ORDER BY key of a ranking: an input column, ascending or descending.
// NULLs sort first for ASC and last for DESC (Flink's default).
type SortKey struct {
	Col  int
	Desc bool
}

// RankSpec configures a Top-N query, Flink's
//
//	SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM t)
//	WHERE rn <= N
//
// Rows are numbered per partition in ORDER BY order; rows that tie on every ORDER BY key
// are numbered in order of arrival (a stable sort). The rows numbered Low..High are the
// result.
type RankSpec struct {
	ID            string
	PartitionKeys []int
	OrderKeys     []SortKey
	// Low and High bound the row numbers kept, both inclusive: rn <= 3 is 1..3, rn = 1 is
	// 1..1. 1 <= Low <= High.
	Low, High int64
	// WithRowNumber appends a BIGINT NOT NULL column RowNumberName (default "rn") holding
	// the row number.
	WithRowNumber bool
	RowNumberName string
	// WindowEnd >= 0 makes a window Top-N: the column holding window_end (TIMESTAMP, ms) of
	// an append-only input such as a window aggregation's output; the planner puts
	// window_start and window_end among the PartitionKeys. -1 makes an unbounded Top-N.
	WindowEnd int
	// InputUpdating says the input of an unbounded Top-N is an updating stream (its -U/-D
	// rows retract earlier rows). An append-only input lets the operator keep only the
	// High best rows per partition.
	InputUpdating bool
}

// RankOutputSchema is the input schema, plus the row number column when asked for.
func RankOutputSchema(input *arrow.Schema, spec RankSpec) *arrow.Schema {
	return withRowNumber(input, spec.WithRowNumber, spec.RowNumberName)
}

// withRowNumber appends a BIGINT NOT NULL row number column named name (default "rn").
func withRowNumber(input *arrow.Schema, with bool, name string) *arrow.Schema {
	if !with {
		return input
	}
	if name == "" {
		name = "rn"
	}
	fields := append(append([]arrow.Field{}, input.Fields()...),
		arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: false})
	return arrow.NewSchema(fields, nil)
}

// Rank is the Top-N operator.
//
// Window Top-N (spec.WindowEnd >= 0) buffers, per window and partition, the High best rows
// so far (the input is append-only, so a row beyond High can never rise again). A row is
// late when window_end - 1 <= its watermark; it is dropped, counted and handed to the
// LateHandler. A watermark >= window_end - 1 emits the window's rows numbered Low..High of
// every partition as inserts, frees the window, and is then forwarded. The output is
// append-only.
//
// Unbounded Top-N (spec.WindowEnd < 0) keeps every row of every partition sorted (only the
// High best when the input is append-only). After each input batch it compares, for each
// partition the batch changed, the rows numbered Low..High before and after the batch and
// emits the difference: with the row number, -U old/+U new for a number whose row changed,
// +I for a number that had no row and -D for a number that lost its row; without it, -D for
// rows that left the range and +I for rows that entered. The materialized output therefore
// always equals "number all current rows, keep Low..High". A -U/-D input row removes the
// earliest-arrived equal row; removing a row that is not there is an error (the input is
// not a consistent changelog). Watermarks pass through.
type Rank struct {
	spec   RankSpec
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler
	rows   *RowCodec
	nIn    int
	wm     int64
	// capped: keep only the High best rows of a partition (append-only input).
	capped bool

	// Unbounded Top-N: partitions by encoded partition key.
	parts   map[string]*rankPartition
	touched []*rankPartition

	// Window Top-N: pending windows by window end.
	windows map[int64]*rankWindow
	ends    endHeap

	// LateRecordsDropped counts rows of a window Top-N dropped as late.
	LateRecordsDropped int64

	lates    lateRows
	keyBuf   []byte
	orderBuf []byte
	rowBuf   []byte
	after    []rankEntry
}

// rankEntry is one row kept by a Top-N. Fields are exported for gob.
type rankEntry struct {
	// Pfx holds the first 16 bytes of Key (big-endian, zero-padded), compared before Key
	// itself: sorted entries are searched without following Key's pointer.
	Pfx [2]uint64
	Key string // order-preserving encoding of the ORDER BY keys (appendOrderKey)
	Row string // the whole input row, RowCodec-encoded
}

// rankKey is an order key with its prefix. key may view a scratch buffer: entries keep a
// copy.
type rankKey struct {
	pfx [2]uint64
	key string
}

func newRankKey(key string) rankKey {
	var b [16]byte
	copy(b[:], key)
	return rankKey{pfx: [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, key: key}
}

// cmp compares e's order key with k. Keys are prefix-free (appendOrderKey), so equal
// prefixes of two keys of at most 16 bytes mean equal keys, and zero padding cannot make
// different keys look equal.
func (e *rankEntry) cmp(k *rankKey) int {
	switch {
	case e.Pfx[0] != k.pfx[0]:
		return cmpUint64(e.Pfx[0], k.pfx[0])
	case e.Pfx[1] != k.pfx[1]:
		return cmpUint64(e.Pfx[1], k.pfx[1])
	case len(e.Key) <= 16 && len(k.key) <= 16:
		return 0
	}
	return strings.Compare(e.Key, k.key)
}

func cmpUint64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// rankPartition is the sorted rows of one partition of an unbounded Top-N.
type rankPartition struct {
	key  string
	list rankList
	// touched: the batch being processed changed the ranked range; before holds the range
	// as it was before the batch.
	touched bool
	before  []rankEntry
}

// rankWindow is one pending window of a window Top-N: per partition the best rows so far,
// sorted, partitions in order of first arrival.
type rankWindow struct {
	byKey map[string]int
	keys  []string
	tops  [][]rankEntry
}

// NewRank builds a Top-N operator; late may be nil.
func NewRank(input *arrow.Schema, spec RankSpec, mem memory.Allocator, late LateHandler) (*Rank, error) {
	if spec.Low < 1 || spec.High < spec.Low {
		return nil, fmt.Errorf("exec: Top-N %s: row number range [%d, %d] is empty or starts below 1", spec.ID, spec.Low, spec.High)
	}
	if err := checkColumns(input, "PARTITION BY", spec.PartitionKeys); err != nil {
		return nil, fmt.Errorf("exec: Top-N %s: %w", spec.ID, err)
	}
	if err := checkOrderKeys(input, spec.OrderKeys); err != nil {
		return nil, fmt.Errorf("exec: Top-N %s: %w", spec.ID, err)
	}
	r := &Rank{spec: spec, schema: RankOutputSchema(input, spec), mem: mem, late: late,
		rows: SchemaRowCodec(input), nIn: input.NumFields(), wm: MinWatermark}
	if spec.WindowEnd >= 0 {
		if err := checkTimeColumn(input, "window_end", spec.WindowEnd); err != nil {
			return nil, fmt.Errorf("exec: Top-N %s: %w", spec.ID, err)
		}
		r.windows = map[int64]*rankWindow{}
		r.capped = true
		return r, nil
	}
	r.parts = map[string]*rankPartition{}
	r.capped = !spec.InputUpdating
	return r, nil
}

// Schema implements Operator.
func (r *Rank) Schema() *arrow.Schema { return r.schema }

// StateID implements Stateful.
func (r *Rank) StateID() string { return r.spec.ID }

// Close implements Operator; the state is plain Go memory.
func (r *Rank) Close() error { return nil }

func (r *Rank) windowed() bool { return r.spec.WindowEnd >= 0 }

// Process implements Operator.
func (r *Rank) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		if m.Batch.NumRows() == 0 {
			return nil
		}
		if r.windowed() {
			return r.bufferWindowRows(m)
		}
		return r.updateRanking(m, out)
	default:
		return processWatermark(m, &r.wm, r.fireWindows, out)
	}
}

// orderKey encodes the ORDER BY keys of row i into r.orderBuf.
func (r *Rank) orderKey(b arrow.RecordBatch, i int) []byte {
	r.orderBuf = r.orderBuf[:0]
	for _, k := range r.spec.OrderKeys {
		r.orderBuf = appendOrderKey(r.orderBuf, b.Column(k.Col), i, k.Desc)
	}
	return r.orderBuf
}

// partitionKey encodes the PARTITION BY columns of row i into r.keyBuf.
func (r *Rank) partitionKey(b arrow.RecordBatch, i int) []byte {
	r.keyBuf = r.rows.AppendBatch(r.keyBuf[:0], b, r.spec.PartitionKeys, i)
	return r.keyBuf
}

// ---- window Top-N ----

func (r *Rank) bufferWindowRows(m Message) error {
	if err := checkAppendOnly("window Top-N", r.spec.ID, m); err != nil {
		return err
	}
	b := m.Batch
	n := int(b.NumRows())
	ecol := b.Column(r.spec.WindowEnd)
	ends := int64s(ecol, nil)
	cols := b.Columns()
	r.lates.reset()
	for i := 0; i < n; i++ {
		if r.lates.late(i, ecol.IsNull(i), ends[i]-1, rowWatermark(m, i, r.wm)) {
			continue
		}
		end := ends[i]
		w := r.window(end)
		pk := r.partitionKey(b, i)
		p, ok := w.byKey[string(pk)]
		if !ok {
			p = len(w.keys)
			w.byKey[string(pk)] = p
			w.keys = append(w.keys, string(pk))
			w.tops = append(w.tops, nil)
		}
		key := newRankKey(bytesString(r.orderKey(b, i)))
		top := w.tops[p]
		pos := sort.Search(len(top), func(j int) bool { return top[j].cmp(&key) > 0 })
		if int64(pos) >= r.spec.High {
			continue // High rows rank before it already and none of them can leave
		}
		r.rowBuf = r.rows.Append(r.rowBuf[:0], cols, i)
		e := rankEntry{Pfx: key.pfx, Key: strings.Clone(key.key), Row: string(r.rowBuf)}
		top = append(top, rankEntry{})
		copy(top[pos+1:], top[pos:])
		top[pos] = e
		if int64(len(top)) > r.spec.High {
			top[len(top)-1] = rankEntry{}
			top = top[:len(top)-1]
		}
		w.tops[p] = top
	}
	return r.lates.flush(r.spec.ID, b, r.late, &r.LateRecordsDropped)
}

func (r *Rank) window(end int64) *rankWindow {
	w := r.windows[end]
	if w == nil {
		w = &rankWindow{byKey: map[string]int{}}
		r.windows[end] = w
		heap.Push(&r.ends, end)
	}
	return w
}

// fireWindows emits every window with end - 1 <= the watermark, in order of window end,
// partitions in order of first arrival.
func (r *Rank) fireWindows(out Emitter) error {
	if !r.windowed() || len(r.ends) == 0 || r.ends[0]-1 > r.wm {
		return nil
	}
	bb := NewBatchBuilder(r.schema, r.mem)
	defer bb.Release()
	for len(r.ends) > 0 && r.ends[0]-1 <= r.wm {
		end := heap.Pop(&r.ends).(int64)
		w := r.windows[end]
		delete(r.windows, end)
		for _, top := range w.tops {
			for j := r.spec.Low - 1; j < int64(len(top)); j++ {
				r.appendRow(bb, top[j].Row, j+1, Insert)
			}
		}
	}
	return bb.Emit(out)
}

// appendRow appends an output row: the decoded input row and, when asked for, rn.
func (r *Rank) appendRow(bb *BatchBuilder, row string, rn int64, k RowKind) {
	fs := bb.Fields()
	r.rows.Decode(stringBytes(row), fs[:r.nIn])
	if r.spec.WithRowNumber {
		fs[r.nIn].(*array.Int64Builder).Append(rn)
	}
	bb.Row(k)
}

// ---- unbounded Top-N ----

func (r *Rank) updateRanking(m Message, out Emitter) error {
	b := m.Batch
	n := int(b.NumRows())
	cols := b.Columns()
	high := int(min(r.spec.High, math.MaxInt32))
	for i := 0; i < n; i++ {
		kind := m.KindOf(i)
		if kind.IsRetract() && r.capped {
			return fmt.Errorf("exec: Top-N %s: input declared append-only has a %s row", r.spec.ID, kind)
		}
		pk := r.partitionKey(b, i)
		p := r.parts[string(pk)]
		if p == nil {
			if kind.IsRetract() {
				return fmt.Errorf("exec: Top-N %s: %s of a row that is not in the state", r.spec.ID, kind)
			}
			p = &rankPartition{key: string(pk)}
			r.parts[p.key] = p
		}
		key := newRankKey(bytesString(r.orderKey(b, i)))
		if kind.IsRetract() {
			r.rowBuf = r.rows.Append(r.rowBuf[:0], cols, i)
			ci, j, ok := p.list.find(&key, bytesString(r.rowBuf))
			if !ok {
				return fmt.Errorf("exec: Top-N %s: %s of a row that is not in the state", r.spec.ID, kind)
			}
			if p.list.pos(ci, j, high) < high {
				r.touch(p)
			}
			p.list.removeAt(ci, j)
			continue
		}
		ci, j := p.list.upper(&key)
		pos := p.list.pos(ci, j, high)
		if pos >= high && r.capped {
			continue // at least High rows rank before it for good
		}
		if pos < high {
			r.touch(p)
		}
		r.rowBuf = r.rows.Append(r.rowBuf[:0], cols, i)
		p.list.insertAt(ci, j, rankEntry{Pfx: key.pfx, Key: strings.Clone(key.key), Row: string(r.rowBuf)})
		if r.capped && p.list.n > high {
			p.list.removeLast()
		}
	}
	return r.emitChanges(out)
}

// touch records the ranked range of p before the first change of this batch to it.
func (r *Rank) touch(p *rankPartition) {
	if p.touched {
		return
	}
	p.touched = true
	p.before = p.list.appendRange(p.before[:0], int(r.spec.Low-1), int(min(r.spec.High, math.MaxInt32)))
	r.touched = append(r.touched, p)
}

// emitChanges emits, for every partition the batch touched, the difference between its
// ranked range before and after the batch.
func (r *Rank) emitChanges(out Emitter) error {
	if len(r.touched) == 0 {
		return nil
	}
	bb := NewBatchBuilder(r.schema, r.mem)
	defer bb.Release()
	for _, p := range r.touched {
		r.after = p.list.appendRange(r.after[:0], int(r.spec.Low-1), int(min(r.spec.High, math.MaxInt32)))
		if r.spec.WithRowNumber {
			r.diffNumbered(bb, p.before, r.after)
		} else {
			r.diffRows(bb, p.before, r.after)
		}
		clear(p.before)
		p.before = p.before[:0]
		p.touched = false
		if p.list.n == 0 {
			delete(r.parts, p.key)
		}
	}
	clear(r.after)
	clear(r.touched)
	r.touched = r.touched[:0]
	return bb.Emit(out)
}

// diffNumbered compares the range number by number.
func (r *Rank) diffNumbered(bb *BatchBuilder, before, after []rankEntry) {
	for k := 0; k < max(len(before), len(after)); k++ {
		rn := r.spec.Low + int64(k)
		switch {
		case k < len(before) && k < len(after):
			if before[k].Row != after[k].Row {
				r.appendRow(bb, before[k].Row, rn, UpdateBefore)
				r.appendRow(bb, after[k].Row, rn, UpdateAfter)
			}
		case k < len(before):
			r.appendRow(bb, before[k].Row, rn, Delete)
		default:
			r.appendRow(bb, after[k].Row, rn, Insert)
		}
	}
}

// diffRows compares the range as multisets of rows.
func (r *Rank) diffRows(bb *BatchBuilder, before, after []rankEntry) {
	count := make(map[string]int, len(before))
	for _, e := range before {
		count[e.Row]++
	}
	for _, e := range after {
		count[e.Row]--
	}
	for _, e := range before {
		if count[e.Row] > 0 {
			count[e.Row]--
			r.appendRow(bb, e.Row, 0, Delete)
		}
	}
	for _, e := range after {
		if count[e.Row] < 0 {
			count[e.Row]++
			r.appendRow(bb, e.Row, 0, Insert)
		}
	}
}

// ---- the sorted row list ----

// rankChunk is the target size of a chunk of a rankList.
const rankChunk = 64

// rankList keeps entries sorted by Key, ties in order of arrival, in a list of sorted chunks, each at most
// 2*rankChunk long: inserting or removing moves at most one chunk, and the first positions
// (the ranked range) are found without walking the whole list.
type rankList struct {
	chunks [][]rankEntry
	n      int
}

// upper is where an entry with order key key goes: after every entry with Key <= key
// (a newer arrival goes after its ties).
func (l *rankList) upper(key *rankKey) (ci, i int) {
	return l.search(func(e *rankEntry) bool { return e.cmp(key) > 0 })
}

// lower is the location of the first entry with Key >= key.
func (l *rankList) lower(key *rankKey) (ci, i int) {
	return l.search(func(e *rankEntry) bool { return e.cmp(key) >= 0 })
}

// search is the location of the first entry for which after (false, then true along the
// list) holds, or the end of the list.
func (l *rankList) search(after func(e *rankEntry) bool) (ci, i int) {
	if len(l.chunks) == 0 {
		return 0, 0
	}
	ci = sort.Search(len(l.chunks), func(c int) bool {
		ch := l.chunks[c]
		return after(&ch[len(ch)-1])
	})
	if ci == len(l.chunks) {
		ci--
		return ci, len(l.chunks[ci])
	}
	ch := l.chunks[ci]
	return ci, sort.Search(len(ch), func(j int) bool { return after(&ch[j]) })
}

// pos is the position (0-based) of location (ci, i) in the list, or limit when that is
// smaller: only the chunks before the limit are counted.
func (l *rankList) pos(ci, i, limit int) int {
	p := i
	for c := 0; c < ci && p < limit; c++ {
		p += len(l.chunks[c])
	}
	return min(p, limit)
}

// find is the location of the earliest-arrived entry with order key key and row row.
func (l *rankList) find(key *rankKey, row string) (ci, i int, ok bool) {
	ci, i = l.lower(key)
	for ci < len(l.chunks) {
		ch := l.chunks[ci]
		if i == len(ch) {
			ci, i = ci+1, 0
			continue
		}
		e := &ch[i]
		if e.cmp(key) != 0 {
			return 0, 0, false
		}
		if e.Row == row {
			return ci, i, true
		}
		i++
	}
	return 0, 0, false
}

// insertAt inserts e at location (ci, i) as returned by upper.
func (l *rankList) insertAt(ci, i int, e rankEntry) {
	l.n++
	if len(l.chunks) == 0 {
		l.chunks = [][]rankEntry{{e}}
		return
	}
	ch := append(l.chunks[ci], rankEntry{})
	copy(ch[i+1:], ch[i:])
	ch[i] = e
	if len(ch) <= 2*rankChunk {
		l.chunks[ci] = ch
		return
	}
	// Split in two halves.
	half := len(ch) / 2
	right := append(make([]rankEntry, 0, 2*rankChunk+1), ch[half:]...)
	clear(ch[half:])
	l.chunks[ci] = ch[:half]
	l.chunks = append(l.chunks, nil)
	copy(l.chunks[ci+2:], l.chunks[ci+1:])
	l.chunks[ci+1] = right
}

// removeAt removes the entry at location (ci, i); a chunk that becomes small merges with
// the next one.
func (l *rankList) removeAt(ci, i int) {
	l.n--
	ch := l.chunks[ci]
	copy(ch[i:], ch[i+1:])
	ch[len(ch)-1] = rankEntry{}
	ch = ch[:len(ch)-1]
	l.chunks[ci] = ch
	switch {
	case len(ch) == 0:
		l.dropChunk(ci)
	case len(ch) < rankChunk/2 && ci+1 < len(l.chunks) && len(ch)+len(l.chunks[ci+1]) <= 2*rankChunk:
		l.chunks[ci] = append(ch, l.chunks[ci+1]...)
		l.dropChunk(ci + 1)
	}
}

// dropChunk removes chunk ci from the list.
func (l *rankList) dropChunk(ci int) {
	copy(l.chunks[ci:], l.chunks[ci+1:])
	l.chunks[len(l.chunks)-1] = nil
	l.chunks = l.chunks[:len(l.chunks)-1]
}

// removeLast removes the last entry.
func (l *rankList) removeLast() {
	ci := len(l.chunks) - 1
	l.removeAt(ci, len(l.chunks[ci])-1)
}

// appendRange appends the entries at positions [from, to) to dst.
func (l *rankList) appendRange(dst []rankEntry, from, to int) []rankEntry {
	p := 0
	for _, ch := range l.chunks {
		if p >= to {
			break
		}
		if p+len(ch) > from {
			lo := max(from-p, 0)
			hi := min(to-p, len(ch))
			dst = append(dst, ch[lo:hi]...)
		}
		p += len(ch)
	}
	return dst
}

// all returns every entry in order.
func (l *rankList) all() []rankEntry {
	out := make([]rankEntry, 0, l.n)
	for _, ch := range l.chunks {
		out = append(out, ch...)
	}
	return out
}

// setAll replaces the list with entries, which are in order.
func (l *rankList) setAll(entries []rankEntry) {
	l.chunks, l.n = nil, len(entries)
	for len(entries) > 0 {
		k := min(len(entries), rankChunk)
		l.chunks = append(l.chunks, append(make([]rankEntry, 0, 2*rankChunk+1), entries[:k]...))
		entries = entries[k:]
	}
}

// ---- snapshots ----

type rankPartitionState struct {
	Key  string
	Rows []rankEntry
}

type rankWindowState struct {
	End  int64
	Keys []string
	Tops [][]rankEntry
}

// Snapshot implements Stateful.
func (r *Rank) Snapshot() ([]byte, error) {
	var parts []rankPartitionState
	for _, p := range r.parts {
		parts = append(parts, rankPartitionState{Key: p.key, Rows: p.list.all()})
	}
	var ws []rankWindowState
	for end, w := range r.windows {
		ws = append(ws, rankWindowState{End: end, Keys: w.keys, Tops: w.tops})
	}
	return encodeState(r.wm, r.LateRecordsDropped, parts, ws)
}

// Restore implements Stateful.
func (r *Rank) Restore(b []byte) error {
	var parts []rankPartitionState
	var ws []rankWindowState
	if err := decodeState(b, r.spec.ID, &r.wm, &r.LateRecordsDropped, &parts, &ws); err != nil {
		return err
	}
	if !r.windowed() {
		r.parts = map[string]*rankPartition{}
		for _, ps := range parts {
			p := &rankPartition{key: ps.Key}
			p.list.setAll(ps.Rows)
			r.parts[ps.Key] = p
		}
		return nil
	}
	r.windows = map[int64]*rankWindow{}
	r.ends = r.ends[:0]
	for _, x := range ws {
		w := r.window(x.End)
		w.keys, w.tops = x.Keys, x.Tops
		w.tops = growTo(w.tops, len(w.keys))
		for i, k := range w.keys {
			w.byKey[k] = i
		}
	}
	return nil
}

// ---- helpers shared with other operators ----

// stringBytes views s as bytes without copying; the bytes must not be modified.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// bytesString views b as a string without copying: valid only while b is not modified.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// checkColumns checks that cols are columns of input; what names them in the error, which
// the caller prefixes with the operator.
func checkColumns(input *arrow.Schema, what string, cols []int) error {
	for _, c := range cols {
		if c < 0 || c >= input.NumFields() {
			return fmt.Errorf("%s column %d out of range of %d columns", what, c, input.NumFields())
		}
	}
	return nil
}

// checkTimeColumn checks that col is an integer-like (TIMESTAMP) column of input.
func checkTimeColumn(input *arrow.Schema, what string, col int) error {
	if err := checkColumns(input, what, []int{col}); err != nil {
		return err
	}
	if t := input.Field(col).Type; !isIntLike(t) {
		return fmt.Errorf("%s column %s is %s, not a timestamp", what, input.Field(col).Name, t)
	}
	return nil
}

// checkOrderKeys checks that every ORDER BY key is a column of a sortable type.
func checkOrderKeys(input *arrow.Schema, keys []SortKey) error {
	for _, k := range keys {
		if err := checkColumns(input, "ORDER BY", []int{k.Col}); err != nil {
			return err
		}
		if t := input.Field(k.Col).Type; !keyable(t) {
			return fmt.Errorf("cannot ORDER BY column %q of type %s", input.Field(k.Col).Name, t)
		}
	}
	return nil
}

// appendOrderKey appends an order-preserving encoding of arr[i] to dst: encodings compare
// (as byte strings) like the SQL values, NULL before every value, and no encoding is a
// prefix of another, so the concatenated keys of several columns compare like the tuple.
// desc inverts the bytes, which reverses the order and puts NULL last. Integers are
// big-endian with the sign bit flipped; floats order -Inf < ... < -0 = 0 < ... < +Inf < NaN;
// strings and binaries escape 0x00 as 0x00 0xFF and end with 0x00 0x00.
func appendOrderKey(dst []byte, arr arrow.Array, i int, desc bool) []byte {
	start := len(dst)
	if arr.IsNull(i) {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
		dst = appendOrderValue(dst, arr, i)
	}
	if desc {
		for j := start; j < len(dst); j++ {
			dst[j] = ^dst[j]
		}
	}
	return dst
}

func appendOrderValue(dst []byte, arr arrow.Array, i int) []byte {
	be := binary.BigEndian
	signed := func(v int64) []byte { return be.AppendUint64(dst, uint64(v)^(1<<63)) }
	switch a := arr.(type) {
	case *array.Int64:
		return signed(a.Value(i))
	case *array.Int32:
		return signed(int64(a.Value(i)))
	case *array.Int16:
		return signed(int64(a.Value(i)))
	case *array.Int8:
		return signed(int64(a.Value(i)))
	case *array.Uint64:
		return be.AppendUint64(dst, a.Value(i))
	case *array.Uint32:
		return be.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Uint16:
		return be.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Uint8:
		return be.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Float64:
		return be.AppendUint64(dst, orderFloatBits(a.Value(i)))
	case *array.Float32:
		return be.AppendUint64(dst, orderFloatBits(float64(a.Value(i))))
	case *array.Boolean:
		if a.Value(i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case *array.String:
		return appendOrderBytes(dst, a.Value(i))
	case *array.LargeString:
		return appendOrderBytes(dst, a.Value(i))
	case *array.Binary:
		return appendOrderBytes(dst, string(a.Value(i)))
	case *array.Timestamp:
		return signed(int64(a.Value(i)))
	case *array.Date32:
		return signed(int64(a.Value(i)))
	case *array.Date64:
		return signed(int64(a.Value(i)))
	case *array.Time32:
		return signed(int64(a.Value(i)))
	case *array.Time64:
		return signed(int64(a.Value(i)))
	case *array.Duration:
		return signed(int64(a.Value(i)))
	case *array.Decimal128:
		v := a.Value(i)
		dst = be.AppendUint64(dst, uint64(v.HighBits())^(1<<63))
		return be.AppendUint64(dst, v.LowBits())
	}
	panic(fmt.Sprintf("exec: appendOrderKey: unsupported array %T", arr)) // excluded by checkOrderKeys
}

// orderFloatBits maps a float to a uint64 with the same order (NaN last, -0 = 0).
func orderFloatBits(v float64) uint64 {
	switch {
	case math.IsNaN(v):
		return math.MaxUint64
	case v == 0:
		v = 0
	}
	b := math.Float64bits(v)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

func appendOrderBytes(dst []byte, s string) []byte {
	for j := 0; j < len(s); j++ {
		if s[j] == 0 {
			dst = append(dst, 0, 0xFF)
		} else {
			dst = append(dst, s[j])
		}
	}
	return append(dst, 0, 0)
}

var (
	_ Operator = (*Rank)(nil)
	_ Stateful = (*Rank)(nil)
)
