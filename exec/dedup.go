package exec

import (
	"container/heap"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DedupSpec configures a deduplication, Flink's
//
//	SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC|DESC) AS rn
//	FROM t) WHERE rn = 1
//
// over an event-time attribute ts.
type DedupSpec struct {
	ID   string
	Keys []int // PARTITION BY
	// TimeCol is the event-time column the ORDER BY names (TIMESTAMP, ms).
	TimeCol int
	// KeepLast keeps the last row per key (ORDER BY ts DESC; the output is updating);
	// false keeps the first (ORDER BY ts ASC; the output is append-only).
	KeepLast bool
	// WithRowNumber appends the BIGINT NOT NULL column RowNumberName (default "rn"),
	// always 1, when the query selects rn.
	WithRowNumber bool
	RowNumberName string
}

// DedupOutputSchema is the input schema, plus the row number column when asked for.
func DedupOutputSchema(input *arrow.Schema, spec DedupSpec) *arrow.Schema {
	return withRowNumber(input, spec.WithRowNumber, spec.RowNumberName)
}

// Deduplicate is the deduplication operator. Its input is append-only.
//
// Keep first: per key the candidate is the row with the smallest event time (ties: the
// first arrival). A row is late when its event time <= its watermark: it is dropped,
// counted and handed to the LateHandler. When a watermark reaches a candidate's event time
// the candidate is emitted (+I) and its key is done: later rows of the key are not first
// (they are not late either: being later than the watermark they are later than the
// emitted row) and are ignored. The result does not depend on arrival order beyond ties.
// End emits the remaining candidates.
//
// Keep last: per key the row with the largest event time (ties: the later arrival) is the
// result; a new winner emits +I for the first row of a key, else -U old/+U new (nothing
// when the new winner equals the old row). Nothing is dropped for lateness, and
// watermarks pass through.
//
// Rows with a NULL event time cannot be ordered: they are dropped and counted like late
// rows (with the watermark MinWatermark) in both modes.
type Deduplicate struct {
	spec   DedupSpec
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler
	rows   *RowCodec
	nIn    int
	wm     int64
	seq    uint64

	// Keep first: the candidates, a min-heap of them by (event time, arrival) that may
	// hold stale entries, and the keys already emitted.
	cands map[string]*dedupRow
	queue dedupHeap
	done  map[string]struct{}

	// Keep last: the current row per key; touched are the keys changed by the batch being
	// processed, with their row before it.
	last    map[string]*dedupRow
	touched []dedupChange
	// batchStart is the arrival number of the first row of the batch being processed.
	batchStart uint64

	// LateRecordsDropped counts rows dropped as late or for a NULL event time.
	LateRecordsDropped int64

	lates  lateRows
	keyBuf []byte
	rowBuf []byte
}

// dedupRow is a kept row (fields exported for gob).
type dedupRow struct {
	TS  int64
	Seq uint64
	Row string // RowCodec-encoded input row
}

type dedupChange struct {
	key    string
	before dedupRow
	had    bool
}

// NewDeduplicate builds the operator; late may be nil.
func NewDeduplicate(input *arrow.Schema, spec DedupSpec, mem memory.Allocator, late LateHandler) (*Deduplicate, error) {
	if err := checkColumns(input, "PARTITION BY", spec.Keys); err != nil {
		return nil, fmt.Errorf("exec: deduplicate %s: %w", spec.ID, err)
	}
	if err := checkTimeColumn(input, "ORDER BY", spec.TimeCol); err != nil {
		return nil, fmt.Errorf("exec: deduplicate %s: %w", spec.ID, err)
	}
	d := &Deduplicate{spec: spec, schema: DedupOutputSchema(input, spec), mem: mem, late: late,
		rows: SchemaRowCodec(input), nIn: input.NumFields(), wm: MinWatermark}
	if spec.KeepLast {
		d.last = map[string]*dedupRow{}
	} else {
		d.cands, d.done = map[string]*dedupRow{}, map[string]struct{}{}
	}
	return d, nil
}

// Schema implements Operator.
func (d *Deduplicate) Schema() *arrow.Schema { return d.schema }

// StateID implements Stateful.
func (d *Deduplicate) StateID() string { return d.spec.ID }

// Close implements Operator.
func (d *Deduplicate) Close() error { return nil }

// Process implements Operator.
func (d *Deduplicate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		if m.Batch.NumRows() == 0 {
			return nil
		}
		if err := checkAppendOnly("deduplicate", d.spec.ID, m); err != nil {
			return err
		}
		if d.spec.KeepLast {
			return d.keepLast(m, out)
		}
		return d.keepFirst(m)
	default:
		return processWatermark(m, &d.wm, d.emitFirsts, out)
	}
}

func (d *Deduplicate) key(b arrow.RecordBatch, i int) []byte {
	d.keyBuf = d.rows.AppendBatch(d.keyBuf[:0], b, d.spec.Keys, i)
	return d.keyBuf
}

func (d *Deduplicate) keepFirst(m Message) error {
	b := m.Batch
	n := int(b.NumRows())
	tcol := b.Column(d.spec.TimeCol)
	ts := int64s(tcol, nil)
	cols := b.Columns()
	d.lates.reset()
	for i := 0; i < n; i++ {
		if d.lates.late(i, tcol.IsNull(i), ts[i], rowWatermark(m, i, d.wm)) {
			continue
		}
		k := d.key(b, i)
		if _, done := d.done[string(k)]; done {
			continue
		}
		c := d.cands[string(k)]
		if c != nil && ts[i] >= c.TS {
			continue
		}
		d.rowBuf = d.rows.Append(d.rowBuf[:0], cols, i)
		if c == nil {
			c = &dedupRow{}
			d.cands[string(k)] = c
		}
		*c = dedupRow{TS: ts[i], Seq: d.seq, Row: string(d.rowBuf)}
		d.seq++
		heap.Push(&d.queue, dedupQueued{ts: c.TS, seq: c.Seq, key: string(k)})
	}
	return d.lates.flush(d.spec.ID, b, d.late, &d.LateRecordsDropped)
}

// emitFirsts emits, in order of event time, the candidates the watermark has reached.
func (d *Deduplicate) emitFirsts(out Emitter) error {
	if d.spec.KeepLast {
		return nil
	}
	var bb *BatchBuilder
	for len(d.queue) > 0 && d.queue[0].ts <= d.wm {
		q := heap.Pop(&d.queue).(dedupQueued)
		c := d.cands[q.key]
		if c == nil || c.Seq != q.seq {
			continue // replaced by an earlier row of the key
		}
		if bb == nil {
			bb = NewBatchBuilder(d.schema, d.mem)
			defer bb.Release()
		}
		d.appendRow(bb, c.Row, Insert)
		delete(d.cands, q.key)
		d.done[q.key] = struct{}{}
	}
	if bb == nil {
		return nil
	}
	return bb.Emit(out)
}

func (d *Deduplicate) appendRow(bb *BatchBuilder, row string, k RowKind) {
	fs := bb.Fields()
	d.rows.Decode(stringBytes(row), fs[:d.nIn])
	if d.spec.WithRowNumber {
		fs[d.nIn].(*array.Int64Builder).Append(1)
	}
	bb.Row(k)
}

func (d *Deduplicate) keepLast(m Message, out Emitter) error {
	b := m.Batch
	n := int(b.NumRows())
	tcol := b.Column(d.spec.TimeCol)
	ts := int64s(tcol, nil)
	cols := b.Columns()
	d.lates.reset()
	d.batchStart = d.seq
	for i := 0; i < n; i++ {
		if tcol.IsNull(i) {
			d.lates.add(i, MinWatermark)
			continue
		}
		k := d.key(b, i)
		c := d.last[string(k)]
		if c != nil && ts[i] < c.TS {
			continue
		}
		d.rowBuf = d.rows.Append(d.rowBuf[:0], cols, i)
		if c == nil {
			c = &dedupRow{Seq: noDedupSeq}
			d.last[string(k)] = c
		}
		if c.Seq == noDedupSeq || c.Seq < d.batchStart {
			// First change of this key in this batch: remember its row before the batch.
			d.touched = append(d.touched, dedupChange{key: string(k), before: *c, had: c.Seq != noDedupSeq})
		}
		*c = dedupRow{TS: ts[i], Seq: d.seq, Row: string(d.rowBuf)}
		d.seq++
	}
	if err := d.lates.flush(d.spec.ID, b, d.late, &d.LateRecordsDropped); err != nil {
		return err
	}
	return d.emitLasts(out)
}

// emitLasts emits the changes of the keys the batch touched.
func (d *Deduplicate) emitLasts(out Emitter) error {
	if len(d.touched) == 0 {
		return nil
	}
	bb := NewBatchBuilder(d.schema, d.mem)
	defer bb.Release()
	for _, t := range d.touched {
		now := d.last[t.key]
		switch {
		case !t.had:
			d.appendRow(bb, now.Row, Insert)
		case t.before.Row != now.Row:
			d.appendRow(bb, t.before.Row, UpdateBefore)
			d.appendRow(bb, now.Row, UpdateAfter)
		}
	}
	clear(d.touched)
	d.touched = d.touched[:0]
	return bb.Emit(out)
}

// noDedupSeq marks a keep-last entry just created for a batch.
const noDedupSeq = ^uint64(0)

// dedupQueued is a keep-first candidate in the queue of candidates by event time.
type dedupQueued struct {
	ts  int64
	seq uint64
	key string
}

type dedupHeap []dedupQueued

func (h dedupHeap) Len() int { return len(h) }
func (h dedupHeap) Less(i, j int) bool {
	return h[i].ts < h[j].ts || h[i].ts == h[j].ts && h[i].seq < h[j].seq
}
func (h dedupHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dedupHeap) Push(x any)   { *h = append(*h, x.(dedupQueued)) }
func (h *dedupHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = dedupQueued{}
	*h = old[:len(old)-1]
	return x
}

type dedupKeyed struct {
	Key string
	Row dedupRow
}

// Snapshot implements Stateful. It is taken between messages.
func (d *Deduplicate) Snapshot() ([]byte, error) {
	var rows []dedupKeyed
	for k, c := range d.cands {
		rows = append(rows, dedupKeyed{Key: k, Row: *c})
	}
	for k, c := range d.last {
		rows = append(rows, dedupKeyed{Key: k, Row: *c})
	}
	done := make([]string, 0, len(d.done))
	for k := range d.done {
		done = append(done, k)
	}
	return encodeState(d.wm, d.seq, d.LateRecordsDropped, rows, done)
}

// Restore implements Stateful.
func (d *Deduplicate) Restore(b []byte) error {
	var rows []dedupKeyed
	var done []string
	if err := decodeState(b, d.spec.ID, &d.wm, &d.seq, &d.LateRecordsDropped, &rows, &done); err != nil {
		return err
	}
	if d.spec.KeepLast {
		d.last = make(map[string]*dedupRow, len(rows))
		for _, x := range rows {
			c := x.Row
			d.last[x.Key] = &c
		}
		return nil
	}
	d.cands = make(map[string]*dedupRow, len(rows))
	d.queue = d.queue[:0]
	for _, x := range rows {
		c := x.Row
		d.cands[x.Key] = &c
		d.queue = append(d.queue, dedupQueued{ts: c.TS, seq: c.Seq, key: x.Key})
	}
	heap.Init(&d.queue)
	d.done = make(map[string]struct{}, len(done))
	for _, k := range done {
		d.done[k] = struct{}{}
	}
	return nil
}

var (
	_ Operator = (*Deduplicate)(nil)
	_ Stateful = (*Deduplicate)(nil)
)
