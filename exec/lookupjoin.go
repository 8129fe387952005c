package exec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// ReferenceLoader reads the whole reference table. It returns changed=false (and no batches)
// when the data has not changed since the previous successful call (the engine compares file
// size and modification time); the first call always loads. Batches have the table's schema;
// the callee owns them (LookupJoin releases them, also when it returns an error).
type ReferenceLoader func() (batches []arrow.RecordBatch, changed bool, err error)

// LookupJoinSpec configures a lookup join (Flink's
// `JOIN dim FOR SYSTEM_TIME AS OF s.proc_time AS d ON s.k = d.k`): every stream row is
// enriched from the current version of a reference table that is read whole and reloaded
// when it changes.
type LookupJoinSpec struct {
	ID string
	// Left makes it a LEFT JOIN: a stream row without a match gets one row with NULL table
	// columns. Otherwise (inner) such a row is dropped.
	Left bool
	// StreamKeys are stream columns, TableKeys the reference table columns they equal (same
	// count, pairwise equal types). A NULL key never matches.
	StreamKeys []int
	TableKeys  []int
	// Residual is an extra BOOLEAN condition over the output row (stream columns then table
	// columns); nil means none. A pair qualifies only when it is TRUE.
	Residual expr.Expr
	// Load reads the reference table.
	Load ReferenceLoader
	// ReloadInterval: 0 loads once; otherwise a background goroutine calls Reload every
	// interval.
	ReloadInterval time.Duration
	// OnError, when not nil, is told about every failed reload (file gone, parse error);
	// the join keeps using the last good version. It runs on the goroutine that reloaded
	// (the background loop, or Reload's caller) and must not call Reload.
	OnError func(err error)
}

// LookupOutputSchema is the output schema of a lookup join: the stream columns then the
// table columns, all nullable.
func LookupOutputSchema(stream, table *arrow.Schema) *arrow.Schema {
	return JoinOutputSchema(stream, table)
}

// lookupMaxBatchRows bounds the rows of one output batch: a stream batch whose rows have
// many matches is emitted in several batches (split between stream rows).
const lookupMaxBatchRows = 1 << 16

// errLookupClosed is returned by Reload and Process after Close.
var errLookupClosed = errors.New("lookup join is closed")

// LookupJoin is the lookup join operator. The stream is its only input and should be
// append-only (see Retractions). Each version of the reference table is held as Arrow
// arrays, one per column, with the rows grouped by key, plus an index from key to its
// span of rows: a direct-addressed array or a hash table for a single integer-like key, a
// map of encoded keys otherwise. Output batches are built column by column with typed
// gathers from (stream row, table row) index pairs.
//
// Versions: Reload (on the background goroutine, or called directly) builds a complete new
// table and index off the processing path and publishes it with an atomic swap; Process
// picks up the newest published version at the start of each batch, so one input batch is
// joined against exactly one version and Process never waits for a reload. A failed reload
// keeps the last good version.
//
// Retractions: when the stream is updating (m.Kinds != nil), a -U/-D row is looked up like
// any other and its joined rows carry the same kind. Its result therefore uses the table
// version current when the retraction arrives, which can differ from the one its +I/+U saw:
// downstream state may then retract rows it never received. As in Flink, a lookup join is
// meant for append-only streams.
//
// Output order: stream rows in input order; the matches of one stream row in table order.
type LookupJoin struct {
	spec     LookupJoinSpec
	stream   *arrow.Schema
	table    *arrow.Schema
	schema   *arrow.Schema
	mem      memory.Allocator
	residual expr.Evaluator
	intKey   bool // one key column of an integer-like type: the intIndex fast path

	// cur is the version Process joins against; only the Process goroutine touches it.
	cur *refTable
	// pending is the newest loaded version Process has not picked up yet. Whoever swaps a
	// version out of pending owns it (installs or releases it).
	pending atomic.Pointer[refTable]

	loadMu sync.Mutex // serialises loads; guards closed
	closed bool
	stop   chan struct{} // closed by Close to stop the reload loop
	done   chan struct{} // closed when the reload loop has returned
	ended  bool

	// ReloadErrors counts failed reloads (the initial load is not counted: its error is
	// returned by NewLookupJoin).
	ReloadErrors atomic.Int64
	// Reloads counts reloads that loaded a new version (the initial load is not counted;
	// an unchanged file is not a reload).
	Reloads atomic.Int64
	// TableRows is the number of rows of the newest loaded version (rows with a NULL key,
	// which never match, included).
	TableRows atomic.Int64

	// Per-batch scratch, reused.
	probe    []int32 // stream row of each output pair
	build    []int32 // table row of each output pair, -1 for a NULL-padded row
	keyBuf   []byte
	keyInts  []int64
	selected []bool
	spans    []rowSpan
	keyIdx   []int32
	probe2   []int32 // the other half of probe/build, for keepSelected
	build2   []int32
}

// NewLookupJoin validates the spec and does the first load synchronously, returning its
// error (a missing reference file at start is a start-up error the user must see). With a
// ReloadInterval it then starts the reload goroutine, which Close stops.
func NewLookupJoin(stream, table *arrow.Schema, spec LookupJoinSpec, mem memory.Allocator) (*LookupJoin, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if err := validateLookupSpec(stream, table, spec); err != nil {
		return nil, err
	}
	j := &LookupJoin{spec: spec, stream: stream, table: table, schema: LookupOutputSchema(stream, table), mem: mem}
	if len(spec.StreamKeys) == 1 && isIntLike(stream.Field(spec.StreamKeys[0]).Type) {
		j.intKey = true
	}
	if spec.Residual != nil {
		ev, err := expr.Compile(spec.Residual, mem)
		if err != nil {
			return nil, fmt.Errorf("lookup join %s: residual condition: %w", spec.ID, err)
		}
		j.residual = ev
	}
	t, changed, err := j.load()
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, fmt.Errorf("lookup join %s: the reference loader reported no change on its first call", spec.ID)
	}
	j.cur = t
	j.TableRows.Store(int64(t.rows))
	if spec.ReloadInterval > 0 {
		j.stop, j.done = make(chan struct{}), make(chan struct{})
		go j.reloadLoop(spec.ReloadInterval)
	}
	return j, nil
}

func validateLookupSpec(stream, table *arrow.Schema, spec LookupJoinSpec) error {
	if spec.Load == nil {
		return fmt.Errorf("lookup join %s: no reference loader", spec.ID)
	}
	if len(spec.StreamKeys) == 0 || len(spec.StreamKeys) != len(spec.TableKeys) {
		return fmt.Errorf("lookup join %s: %d stream keys and %d table keys", spec.ID, len(spec.StreamKeys), len(spec.TableKeys))
	}
	for i, sk := range spec.StreamKeys {
		tk := spec.TableKeys[i]
		if sk < 0 || sk >= stream.NumFields() || tk < 0 || tk >= table.NumFields() {
			return fmt.Errorf("lookup join %s: key column out of range", spec.ID)
		}
		if st, tt := stream.Field(sk).Type, table.Field(tk).Type; !arrow.TypeEqual(st, tt) {
			return fmt.Errorf("lookup join %s: key %d compares %s with %s", spec.ID, i, st, tt)
		}
	}
	return nil
}

// Schema is LookupOutputSchema(stream, table).
func (j *LookupJoin) Schema() *arrow.Schema { return j.schema }

// Process joins batches; watermarks pass through (the join holds no rows back) and End is
// forwarded once.
func (j *LookupJoin) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		return j.processBatch(m, out)
	case KindEnd:
		if j.ended {
			return nil
		}
		j.ended = true
		return out.Emit(m)
	default:
		return out.Emit(m)
	}
}

// Reload loads the reference table now. When it changed, the new version is published and
// used from the next input batch on; when unchanged nothing happens. On failure the last
// good version stays, ReloadErrors is incremented, OnError is called and the error
// returned. The background loop calls it every ReloadInterval; tests call it directly.
func (j *LookupJoin) Reload() error {
	err := j.reloadLocked()
	if err != nil && !errors.Is(err, errLookupClosed) {
		j.ReloadErrors.Add(1)
		if j.spec.OnError != nil {
			j.spec.OnError(err)
		}
	}
	return err
}

func (j *LookupJoin) reloadLocked() error {
	j.loadMu.Lock()
	defer j.loadMu.Unlock()
	if j.closed {
		return fmt.Errorf("lookup join %s: %w", j.spec.ID, errLookupClosed)
	}
	t, changed, err := j.load()
	if err != nil || !changed {
		return err
	}
	if old := j.pending.Swap(t); old != nil {
		old.release() // never picked up by Process
	}
	j.Reloads.Add(1)
	j.TableRows.Store(int64(t.rows))
	return nil
}

func (j *LookupJoin) reloadLoop(interval time.Duration) {
	defer close(j.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-tick.C:
			_ = j.Reload() // reported through ReloadErrors and OnError
		}
	}
}

// load calls the loader and builds a version; a panicking loader is an error (it may run
// on the reload goroutine, where a panic would kill the process).
func (j *LookupJoin) load() (t *refTable, changed bool, err error) {
	var batches []arrow.RecordBatch
	defer func() {
		if r := recover(); r != nil {
			t, changed, err = nil, false, fmt.Errorf("lookup join %s: panic while loading the reference table: %v", j.spec.ID, r)
		}
		for _, b := range batches {
			if b != nil {
				b.Release()
			}
		}
	}()
	batches, changed, err = j.spec.Load()
	if err != nil {
		return nil, false, fmt.Errorf("lookup join %s: load reference table: %w", j.spec.ID, err)
	}
	if !changed {
		return nil, false, nil
	}
	t, err = buildRefTable(j.table, j.spec.TableKeys, j.intKey, batches, j.mem)
	if err != nil {
		return nil, false, fmt.Errorf("lookup join %s: load reference table: %w", j.spec.ID, err)
	}
	return t, true, nil
}

// current installs the newest published version, if any, and returns the one to use.
func (j *LookupJoin) current() *refTable {
	if t := j.pending.Swap(nil); t != nil {
		if j.cur != nil {
			j.cur.release()
		}
		j.cur = t
	}
	return j.cur
}

// Close stops the reload goroutine (waiting for a load in progress) and releases every
// version. It is idempotent.
func (j *LookupJoin) Close() error {
	j.loadMu.Lock()
	already := j.closed
	j.closed = true
	j.loadMu.Unlock()
	if already {
		return nil
	}
	if j.stop != nil {
		close(j.stop)
		<-j.done
	}
	if t := j.pending.Swap(nil); t != nil {
		t.release()
	}
	if j.cur != nil {
		j.cur.release()
		j.cur = nil
	}
	return nil
}

func (j *LookupJoin) processBatch(m Message, out Emitter) error {
	t := j.current()
	if t == nil {
		return fmt.Errorf("lookup join %s: %w", j.spec.ID, errLookupClosed)
	}
	if err := j.checkStreamBatch(m.Batch); err != nil {
		return err
	}
	n := int(m.Batch.NumRows())
	spans := j.lookup(t, m.Batch)
	// Pads are added while expanding only when no residual can still reject pairs.
	padNow := j.spec.Left && j.residual == nil
	probe, build := j.probe[:0], j.build[:0]
	lo := 0
	for i, sp := range spans {
		switch {
		case sp.n == 1:
			probe, build = append(probe, int32(i)), append(build, sp.start)
		case sp.n > 1:
			for r := sp.start; r < sp.start+sp.n; r++ {
				probe, build = append(probe, int32(i)), append(build, r)
			}
		case padNow:
			probe, build = append(probe, int32(i)), append(build, -1)
		}
		if len(probe) >= lookupMaxBatchRows && i+1 < n {
			j.probe, j.build = probe, build
			if err := j.emitChunk(m, t, lo, i+1, out); err != nil {
				return err
			}
			probe, build, lo = j.probe[:0], j.build[:0], i+1
		}
	}
	j.probe, j.build = probe, build
	return j.emitChunk(m, t, lo, n, out)
}

// checkStreamBatch rejects a batch whose columns do not have the stream's types (the
// output batch could not be built from them).
func (j *LookupJoin) checkStreamBatch(b arrow.RecordBatch) error {
	if int(b.NumCols()) != j.stream.NumFields() {
		return fmt.Errorf("lookup join %s: stream batch has %d columns, want %d", j.spec.ID, b.NumCols(), j.stream.NumFields())
	}
	for c, f := range j.stream.Fields() {
		if got := b.Column(c).DataType(); !arrow.TypeEqual(got, f.Type) {
			return fmt.Errorf("lookup join %s: stream column %s is %s, want %s", j.spec.ID, f.Name, got, f.Type)
		}
	}
	return nil
}

// lookup finds the matching table rows of every stream row of b (an empty span for a NULL
// key). All lookups are done first, in one tight loop, so that their cache misses overlap.
func (j *LookupJoin) lookup(t *refTable, b arrow.RecordBatch) []rowSpan {
	n := int(b.NumRows())
	spans := growTo(j.spans[:0], n)
	j.spans = spans
	if j.intKey {
		col := b.Column(j.spec.StreamKeys[0])
		ints := int64s(col, j.keyInts)
		j.keyInts = ints[:0]
		t.ints.getAll(ints[:n], spans)
		if col.NullN() > 0 {
			for i := range spans {
				if col.IsNull(i) {
					spans[i] = rowSpan{}
				}
			}
		}
		return spans
	}
	keyCols := make([]arrow.Array, len(j.spec.StreamKeys))
	for i, k := range j.spec.StreamKeys {
		keyCols[i] = b.Column(k)
	}
	for i := range spans {
		spans[i] = t.keyRows(j.streamKey(keyCols, i))
	}
	return spans
}

// streamKey encodes the key of stream row i, or returns nil when a key column is NULL.
func (j *LookupJoin) streamKey(keyCols []arrow.Array, i int) []byte {
	key := j.keyBuf[:0]
	for _, c := range keyCols {
		if c.IsNull(i) {
			return nil
		}
		key = appendCell(key, c, i)
	}
	j.keyBuf = key
	return key
}

// emitChunk emits the joined rows of stream rows [lo, hi) from the pairs in j.probe/j.build:
// it applies the residual, adds the NULL-padded rows of a LEFT JOIN and gathers the columns.
func (j *LookupJoin) emitChunk(m Message, t *refTable, lo, hi int, out Emitter) error {
	if j.residual != nil {
		if len(j.probe) > 0 {
			cand, err := j.gather(m.Batch, t, j.probe, j.build)
			if err != nil {
				return err
			}
			defer cand.Release()
			all, err := j.applyResidual(cand)
			if err != nil {
				return err
			}
			if all && !j.spec.Left {
				return j.emit(m, cand, j.probe, out)
			}
		}
		j.keepSelected(lo, hi)
	}
	if len(j.probe) == 0 {
		return nil
	}
	rec, err := j.gather(m.Batch, t, j.probe, j.build)
	if err != nil {
		return err
	}
	defer rec.Release()
	return j.emit(m, rec, j.probe, out)
}

// applyResidual evaluates the residual over the candidate pairs (the rows of cand) and
// marks in j.selected the pairs where it is TRUE; all reports that every pair qualified.
func (j *LookupJoin) applyResidual(cand arrow.RecordBatch) (all bool, err error) {
	idx, err := expr.Select(j.residual, cand)
	if err != nil {
		return false, fmt.Errorf("lookup join %s: residual condition: %w", j.spec.ID, err)
	}
	sel := growTo(j.selected[:0], len(j.probe))
	clear(sel)
	for _, i := range idx {
		sel[i] = true
	}
	j.selected = sel
	return len(idx) == len(j.probe), nil
}

// keepSelected replaces the pairs by the qualifying ones and, for a LEFT JOIN, inserts a
// NULL-padded pair for every stream row in [lo, hi) that kept none, in stream order.
func (j *LookupJoin) keepSelected(lo, hi int) {
	np, nb := j.probe2[:0], j.build2[:0]
	p := 0
	for i := lo; i < hi; i++ {
		kept := false
		for ; p < len(j.probe) && int(j.probe[p]) == i; p++ {
			if j.selected[p] {
				np, nb = append(np, int32(i)), append(nb, j.build[p])
				kept = true
			}
		}
		if !kept && j.spec.Left {
			np, nb = append(np, int32(i)), append(nb, -1)
		}
	}
	j.probe, j.probe2 = np, j.probe
	j.build, j.build2 = nb, j.build
}

// emit sends rec, whose row k joined stream row probe[k], with the kinds and row
// watermarks of those stream rows.
func (j *LookupJoin) emit(m Message, rec arrow.RecordBatch, probe []int32, out Emitter) error {
	msg := Message{Kind: KindBatch, Batch: rec}
	if m.RowWatermarks != nil {
		// Fresh slices per message: downstream may keep them.
		msg.RowWatermarks = make([]int64, len(probe))
		for k, i := range probe {
			msg.RowWatermarks[k] = m.RowWatermarks[i]
		}
	}
	if m.Kinds != nil {
		msg.Kinds = make([]RowKind, len(probe))
		for k, i := range probe {
			msg.Kinds[k] = m.Kinds[i]
		}
	}
	return out.Emit(msg)
}

// gather builds the output batch of the pairs: stream columns taken at probe, table
// columns at build (a -1 there gives NULLs).
func (j *LookupJoin) gather(b arrow.RecordBatch, t *refTable, probe, build []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, j.schema.NumFields())
	fail := func(err error) (arrow.RecordBatch, error) {
		for _, c := range cols {
			c.Release()
		}
		return nil, fmt.Errorf("lookup join %s: gather: %w", j.spec.ID, err)
	}
	identity := isIdentityProbe(probe, int(b.NumRows()))
	for _, c := range b.Columns() {
		if identity {
			c.Retain()
			cols = append(cols, c)
			continue
		}
		o, err := lookupGather(j.mem, c, probe)
		if err != nil {
			return fail(err)
		}
		cols = append(cols, o)
	}
	for tc, c := range t.cols {
		var o arrow.Array
		var err error
		if j.intKey && tc == j.spec.TableKeys[0] {
			// A matched row's table key equals its stream key (same type, integer-like:
			// same bits), so read it sequentially from the stream instead of at random.
			o, err = lookupGather(j.mem, b.Column(j.spec.StreamKeys[0]), j.keyIndex(probe, build))
		} else {
			o, err = lookupGather(j.mem, c, build)
		}
		if err != nil {
			return fail(err)
		}
		cols = append(cols, o)
	}
	rec := array.NewRecordBatch(j.schema, cols, int64(len(probe)))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// keyIndex is probe with -1 where build is -1 (a NULL-padded row).
func (j *LookupJoin) keyIndex(probe, build []int32) []int32 {
	idx := growTo(j.keyIdx[:0], len(probe))
	j.keyIdx = idx
	for k, i := range probe {
		if build[k] < 0 {
			i = -1
		}
		idx[k] = i
	}
	return idx
}

// isIdentityProbe reports whether probe is 0, 1, .., n-1: every stream row matched exactly once,
// so the stream columns can be passed on without copying.
func isIdentityProbe(probe []int32, n int) bool {
	if len(probe) != n {
		return false
	}
	for k, i := range probe {
		if int(i) != k {
			return false
		}
	}
	return true
}

// rowSpan is the rows start .. start+n-1 of a reference table version: the rows of one key.
type rowSpan struct{ start, n int32 }

// refTable is one immutable version of the reference table. Its rows are stored grouped
// by key (rows of one key contiguous and in their loaded order; rows with a NULL key, which
// never match, are left out), so the index maps a key straight to a rowSpan of the columns.
type refTable struct {
	cols  []arrow.Array
	rows  int                // rows loaded, including NULL-key rows
	ints  *intIndex          // single integer-like key
	byKey map[string]rowSpan // other keys, encoded with appendCell
}

// keyRows are the rows whose encoded key is key (none for nil: a NULL key).
func (t *refTable) keyRows(key []byte) rowSpan {
	if key == nil {
		return rowSpan{}
	}
	return t.byKey[string(key)]
}

func (t *refTable) release() {
	for _, c := range t.cols {
		c.Release()
	}
	t.cols = nil
}

// buildRefTable concatenates the loaded batches (which the caller releases), groups their
// rows by key and indexes them.
func buildRefTable(schema *arrow.Schema, keys []int, intKey bool, batches []arrow.RecordBatch, mem memory.Allocator) (*refTable, error) {
	for _, b := range batches {
		if err := checkReferenceBatch(schema, b); err != nil {
			return nil, err
		}
	}
	loaded := make([]arrow.Array, 0, schema.NumFields())
	defer func() {
		for _, c := range loaded {
			c.Release()
		}
	}()
	for c := 0; c < schema.NumFields(); c++ {
		col, err := concatReferenceColumn(schema.Field(c).Type, batches, c, mem)
		if err != nil {
			return nil, err
		}
		loaded = append(loaded, col)
	}
	rows := 0
	if len(loaded) > 0 {
		rows = loaded[0].Len()
	}
	if int64(rows) >= 1<<31-1 {
		return nil, fmt.Errorf("reference table has %d rows, more than a lookup join supports", rows)
	}
	keyCols := make([]arrow.Array, len(keys))
	for i, k := range keys {
		keyCols[i] = loaded[k]
	}
	t := &refTable{rows: rows}
	var order []int32
	if intKey {
		t.ints, order = indexIntKey(keyCols[0])
	} else {
		t.byKey, order = indexEncodedKeys(keyCols)
	}
	for _, c := range loaded {
		g, err := lookupGather(mem, c, order)
		if err != nil {
			t.release()
			return nil, err
		}
		t.cols = append(t.cols, g)
	}
	return t, nil
}

func checkReferenceBatch(schema *arrow.Schema, b arrow.RecordBatch) error {
	if b == nil {
		return fmt.Errorf("reference loader returned a nil batch")
	}
	if int(b.NumCols()) != schema.NumFields() {
		return fmt.Errorf("reference batch has %d columns, the table %d", b.NumCols(), schema.NumFields())
	}
	for c, f := range schema.Fields() {
		if got := b.Column(c).DataType(); !arrow.TypeEqual(got, f.Type) {
			return fmt.Errorf("reference column %s is %s, want %s", f.Name, got, f.Type)
		}
	}
	return nil
}

// concatReferenceColumn is column c of all batches as one array (shared, not copied, when there is
// one batch).
func concatReferenceColumn(t arrow.DataType, batches []arrow.RecordBatch, c int, mem memory.Allocator) (arrow.Array, error) {
	switch len(batches) {
	case 0:
		bld := array.NewBuilder(mem, t)
		defer bld.Release()
		return bld.NewArray(), nil
	case 1:
		col := batches[0].Column(c)
		col.Retain()
		return col, nil
	}
	parts := make([]arrow.Array, len(batches))
	for i, b := range batches {
		parts[i] = b.Column(c)
	}
	return array.Concatenate(parts, mem)
}

// intIndex maps a single integer-like key to its rows: directly by key - base when the keys
// are dense (their range at most about twice their count, like most surrogate ids), else
// through a hash table.
type intIndex struct {
	dense []rowSpan
	base  int64
	hash  *spanTable
}

// get is the span of k (empty when absent).
func (x *intIndex) get(k int64) rowSpan {
	if x.dense != nil {
		// Keys outside [base, base+len) wrap to offsets >= len, also on overflow.
		if d := uint64(k - x.base); d < uint64(len(x.dense)) {
			return x.dense[d]
		}
		return rowSpan{}
	}
	return x.hash.get(k)
}

// getAll looks up every key of keys into spans.
func (x *intIndex) getAll(keys []int64, spans []rowSpan) {
	if x.dense != nil {
		dense, base, n := x.dense, x.base, uint64(len(x.dense))
		for i, k := range keys {
			if d := uint64(k - base); d < n {
				spans[i] = dense[d]
			} else {
				spans[i] = rowSpan{}
			}
		}
		return
	}
	for i, k := range keys {
		spans[i] = x.hash.get(k)
	}
}

// indexIntKey groups the rows by a single integer-like key: it returns the index and the
// order (loaded row positions) in which to store the rows.
func indexIntKey(col arrow.Array) (*intIndex, []int32) {
	ints := int64s(col, nil)
	n := col.Len()
	hasNulls := col.NullN() > 0
	x := &intIndex{}
	lo, hi, seen := int64(0), int64(0), false
	for r := 0; r < n; r++ {
		if hasNulls && col.IsNull(r) {
			continue
		}
		if k := ints[r]; !seen {
			lo, hi, seen = k, k, true
		} else {
			lo, hi = min(lo, k), max(hi, k)
		}
	}
	// Each key's slot: its offset in the dense array, or its hash table slot.
	var span func(slot int) *rowSpan
	var slotOf func(k int64) int
	var nSlots int
	if seen && uint64(hi-lo) < uint64(2*n+64) {
		x.dense, x.base = make([]rowSpan, hi-lo+1), lo
		span = func(s int) *rowSpan { return &x.dense[s] }
		slotOf = func(k int64) int { return int(k - lo) }
		nSlots = len(x.dense)
	} else {
		x.hash = newSpanTable(n)
		span = func(s int) *rowSpan { return &x.hash.slots[s].rowSpan }
		slotOf = x.hash.slot
		nSlots = len(x.hash.slots)
	}
	slots := make([]int32, n)
	for r := 0; r < n; r++ {
		if hasNulls && col.IsNull(r) {
			slots[r] = -1
			continue
		}
		s := slotOf(ints[r])
		span(s).n++ // n counts the rows of the key; start is set below
		slots[r] = int32(s)
	}
	// Lay the keys out in slot order; fill counts the rows placed per slot.
	var next int32
	for s := 0; s < nSlots; s++ {
		if sp := span(s); sp.n > 0 {
			sp.start = next
			next += sp.n
		}
	}
	fill := make([]int32, nSlots)
	order := make([]int32, next)
	for r, s := range slots {
		if s >= 0 {
			order[span(int(s)).start+fill[s]] = int32(r)
			fill[s]++
		}
	}
	return x, order
}

// indexEncodedKeys is indexIntKey for any keys, encoded with appendCell.
func indexEncodedKeys(keyCols []arrow.Array) (map[string]rowSpan, []int32) {
	n := 0
	if len(keyCols) > 0 {
		n = keyCols[0].Len()
	}
	groupOf := make(map[string]int32)
	group := make([]int32, n)
	var counts []int32
	var key []byte
rows:
	for r := 0; r < n; r++ {
		key = key[:0]
		for _, c := range keyCols {
			if c.IsNull(r) {
				group[r] = -1
				continue rows
			}
			key = appendCell(key, c, r)
		}
		g, ok := groupOf[string(key)]
		if !ok {
			g = int32(len(counts))
			groupOf[string(key)] = g
			counts = append(counts, 0)
		}
		counts[g]++
		group[r] = g
	}
	starts := make([]int32, len(counts))
	var next int32
	for g, c := range counts {
		starts[g] = next
		next += c
	}
	idx := make(map[string]rowSpan, len(groupOf))
	for k, g := range groupOf {
		idx[k] = rowSpan{start: starts[g], n: counts[g]}
	}
	order := make([]int32, next)
	for r, g := range group {
		if g >= 0 {
			order[starts[g]] = int32(r)
			starts[g]++
		}
	}
	return idx, order
}

// spanTable maps int64 keys to row spans with open addressing and linear probing, key and
// span in one 16-byte slot so a lookup usually costs one cache miss. A slot with n == 0 is
// empty. It is built once per table version and read-only afterwards.
type spanTable struct {
	slots []spanSlot
	mask  uint64
}

type spanSlot struct {
	key int64
	rowSpan
}

// newSpanTable sizes the table for up to keys keys at a load factor of at most 1/2.
func newSpanTable(keys int) *spanTable {
	n := 16
	for n < 2*keys {
		n <<= 1
	}
	return &spanTable{slots: make([]spanSlot, n), mask: uint64(n - 1)}
}

// get is the span of k (empty when k is absent).
func (t *spanTable) get(k int64) rowSpan {
	for i := hashInt(k) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 || s.key == k {
			return s.rowSpan
		}
	}
}

// slot is the index of k's slot, claiming an empty one for a new key (its n is then 0 and
// the caller must make it positive).
func (t *spanTable) slot(k int64) int {
	for i := hashInt(k) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 {
			s.key = k
			return int(i)
		}
		if s.key == k {
			return int(i)
		}
	}
}

// lookupGather returns the values of arr at idx, in order; an index of -1 gives NULL. Common
// layouts are gathered directly; others go through arrow's take kernel.
func lookupGather(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	switch arr.DataType().ID() {
	case arrow.INT8, arrow.UINT8:
		return lookupGatherFixed[uint8](mem, arr, idx), nil
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return lookupGatherFixed[uint16](mem, arr, idx), nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		return lookupGatherFixed[uint32](mem, arr, idx), nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return lookupGatherFixed[uint64](mem, arr, idx), nil
	case arrow.DECIMAL128:
		return lookupGatherFixed[[2]uint64](mem, arr, idx), nil
	case arrow.STRING, arrow.BINARY:
		return lookupGatherVarBinary(mem, arr, idx)
	case arrow.BOOL:
		return lookupGatherBool(mem, arr, idx), nil
	}
	return lookupTake(mem, arr, idx)
}

// lookupGatherValidity is the validity bitmap of the gathered rows, or nil when all are valid.
func lookupGatherValidity(mem memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	hasPad := false
	for _, i := range idx {
		if i < 0 {
			hasPad = true
			break
		}
	}
	if !hasPad && arr.NullN() == 0 {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for k, i := range idx {
		if i >= 0 && arr.IsValid(int(i)) {
			bitutil.SetBit(bits, k)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

// fixedWidthValues is the values buffer of a fixed-width array as []T, from its offset on.
func fixedWidthValues[T any](arr arrow.Array) []T {
	d := arr.Data()
	buf := d.Buffers()[1]
	if buf == nil || arr.Len() == 0 {
		return nil
	}
	var zero T
	all := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), buf.Len()/int(unsafe.Sizeof(zero)))
	return all[d.Offset() : d.Offset()+d.Len()]
}

func lookupGatherFixed[T any](mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	src := fixedWidthValues[T](arr)
	var zero T
	vbuf := memory.NewResizableBuffer(mem)
	vbuf.Resize(len(idx) * int(unsafe.Sizeof(zero)))
	var dst []T
	if len(idx) > 0 {
		dst = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(vbuf.Bytes()))), len(idx))
	}
	for k, i := range idx {
		if i >= 0 {
			dst[k] = src[i]
		} else {
			dst[k] = zero
		}
	}
	valid, nulls := lookupGatherValidity(mem, arr, idx)
	return newGatheredArray(arr.DataType(), len(idx), nulls, valid, vbuf)
}

func lookupGatherBool(mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	d := arr.Data()
	var src []byte // nil for an empty array
	if b := d.Buffers()[1]; b != nil {
		src = b.Bytes()
	}
	off := d.Offset()
	vbuf := memory.NewResizableBuffer(mem)
	vbuf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	dst := vbuf.Bytes()
	clear(dst)
	for k, i := range idx {
		if i >= 0 && bitutil.BitIsSet(src, off+int(i)) {
			bitutil.SetBit(dst, k)
		}
	}
	valid, nulls := lookupGatherValidity(mem, arr, idx)
	return newGatheredArray(arr.DataType(), len(idx), nulls, valid, vbuf)
}

// lookupGatherVarBinary gathers STRING and BINARY (32-bit offsets): the offsets first, then the
// bytes into a buffer of exactly the right size.
func lookupGatherVarBinary(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	d := arr.Data()
	var srcOff []int32
	if b := d.Buffers()[1]; b != nil && b.Len() > 0 {
		srcOff = arrow.Int32Traits.CastFromBytes(b.Bytes())[d.Offset():]
	}
	var srcData []byte
	if b := d.Buffers()[2]; b != nil {
		srcData = b.Bytes()
	}
	obuf := memory.NewResizableBuffer(mem)
	obuf.Resize((len(idx) + 1) * 4)
	dstOff := arrow.Int32Traits.CastFromBytes(obuf.Bytes())[:len(idx)+1]
	var total int64
	var touch byte
	dstOff[0] = 0
	for k, i := range idx {
		if i >= 0 {
			lo, hi := srcOff[i], srcOff[i+1]
			if hi > lo {
				// Load the first byte now: this loop has no calls, so the cache misses of
				// many rows overlap, and the copy loop below then finds the bytes cached.
				touch ^= srcData[lo]
			}
			total += int64(hi - lo)
			if total > math.MaxInt32 {
				obuf.Release()
				return nil, fmt.Errorf("gathered %s column exceeds 2 GiB", arr.DataType())
			}
		}
		dstOff[k+1] = int32(total)
	}
	dbuf := memory.NewResizableBuffer(mem)
	dbuf.Resize(int(total))
	dst := dbuf.Bytes()
	runtime.KeepAlive(touch) // keeps the loads of the first loop
	for k, i := range idx {
		if i >= 0 {
			copy(dst[dstOff[k]:dstOff[k+1]], srcData[srcOff[i]:srcOff[i+1]])
		}
	}
	valid, nulls := lookupGatherValidity(mem, arr, idx)
	return newGatheredArray(arr.DataType(), len(idx), nulls, valid, obuf, dbuf), nil
}

// newGatheredArray wraps buffers (their references are handed over) into an array.
func newGatheredArray(t arrow.DataType, n, nulls int, valid *memory.Buffer, bufs ...*memory.Buffer) arrow.Array {
	all := append([]*memory.Buffer{valid}, bufs...)
	data := array.NewData(t, n, all, nil, nulls, 0)
	for _, b := range all {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// lookupTake gathers any other type with arrow's take kernel; -1 indexes become NULL
// indexes, which take turns into NULLs.
func lookupTake(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	var validity *memory.Buffer
	nulls := 0
	for k, i := range idx {
		if i >= 0 {
			continue
		}
		if validity == nil {
			validity = memory.NewResizableBuffer(mem)
			validity.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
			bitutil.SetBitsTo(validity.Bytes(), 0, int64(len(idx)), true)
		}
		bitutil.ClearBit(validity.Bytes(), k)
		nulls++
	}
	if arr.Len() == 0 { // only pads can be asked of an empty table
		if validity != nil {
			validity.Release()
		}
		return array.MakeArrayOfNull(mem, arr.DataType(), len(idx)), nil
	}
	if nulls > 0 { // a valid position under each NULL index, in case the kernel reads it
		safe := make([]int32, len(idx))
		for k, i := range idx {
			safe[k] = max(i, 0)
		}
		idx = safe
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx),
		[]*memory.Buffer{validity, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, nulls, 0)
	if validity != nil {
		validity.Release()
	}
	indices := array.NewInt32Data(data)
	data.Release()
	defer indices.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	return compute.TakeArrayOpts(ctx, arr, indices, compute.TakeOptions{BoundsCheck: false})
}
