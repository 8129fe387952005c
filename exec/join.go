package exec

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec/expr"
)

// JoinType is the kind of a two-input join: which sides keep their rows without a match,
// padded with NULLs for the other side's columns.
type JoinType uint8

const (
	// InnerJoin emits matched pairs only.
	InnerJoin JoinType = iota
	// LeftJoin also emits every left row without a match, null-padded.
	LeftJoin
	// RightJoin also emits every right row without a match, null-padded.
	RightJoin
	// FullJoin emits the rows without a match of both sides, null-padded.
	FullJoin
)

// String is the SQL keyword: INNER, LEFT, RIGHT or FULL.
func (t JoinType) String() string {
	switch t {
	case InnerJoin:
		return "INNER"
	case LeftJoin:
		return "LEFT"
	case RightJoin:
		return "RIGHT"
	case FullJoin:
		return "FULL"
	}
	return fmt.Sprintf("JoinType(%d)", uint8(t))
}

// outer reports whether the rows of side (0 left, 1 right) without a match are emitted
// null-padded.
func (t JoinType) outer(side int) bool {
	switch t {
	case FullJoin:
		return true
	case LeftJoin:
		return side == 0
	case RightJoin:
		return side == 1
	}
	return false
}

// JoinOutputSchema is the output schema of every join: all left columns, then all right
// columns, every field nullable (an outer join pads with NULLs), names as in the inputs
// (duplicates are allowed; the planner renames).
func JoinOutputSchema(left, right *arrow.Schema) *arrow.Schema {
	fields := make([]arrow.Field, 0, left.NumFields()+right.NumFields())
	for _, s := range []*arrow.Schema{left, right} {
		for _, f := range s.Fields() {
			f.Nullable = true
			fields = append(fields, f)
		}
	}
	return arrow.NewSchema(fields, nil)
}

// joinOutputRows is the most rows a join puts in one output batch.
const joinOutputRows = 8192

// joinResidualChunk is the most candidate pairs the residual condition is evaluated on at once.
const joinResidualChunk = 4096

// joinBase is what the three joins share: the output schema, the codecs of both sides'
// rows, the equality keys, the compiled residual condition, the output under construction
// and the watermarks of both inputs.
//
// Rows in state are kept encoded with RowCodec (one string per row). Keys are joinKeyV
// values: the int64 of a single integer-like key column, or the key columns encoded the
// RowCodec way, so equal keys of the two sides (of identical types) are equal.
type joinBase struct {
	id     string
	typ    JoinType
	schema *arrow.Schema
	mem    memory.Allocator
	inputs [2]*arrow.Schema
	codecs [2]*RowCodec
	keys   [2][]int
	nl     int // number of left columns

	residual expr.Evaluator
	cand     *array.RecordBuilder // candidate pairs, in the output schema, for the residual
	out      *BatchBuilder

	wm     [2]int64 // watermark of each input
	sent   int64    // last watermark forwarded
	ended  [2]bool
	done   bool // KindEnd was emitted
	closed bool

	intKey  bool       // exactly one key column, integer-like
	keyInts [2][]int64 // [side]: its values in the current batch (maybe a view of the batch)

	scratch []byte
	arena   []byte // current chunk of encodeRowArena; bytes below len are never written again
	pass    []bool
}

func newJoinBase(op, id string, typ JoinType, left, right *arrow.Schema, lk, rk []int, residual expr.Expr, mem memory.Allocator) (*joinBase, error) {
	if typ > FullJoin {
		return nil, fmt.Errorf("exec: %s %s: unknown join type %d", op, id, typ)
	}
	if len(lk) != len(rk) {
		return nil, fmt.Errorf("exec: %s %s: %d left keys but %d right keys", op, id, len(lk), len(rk))
	}
	for i := range lk {
		if err := checkColumns(left, "left key", lk[i:i+1]); err != nil {
			return nil, fmt.Errorf("exec: %s %s: %w", op, id, err)
		}
		if err := checkColumns(right, "right key", rk[i:i+1]); err != nil {
			return nil, fmt.Errorf("exec: %s %s: %w", op, id, err)
		}
		lt, rt := left.Field(lk[i]).Type, right.Field(rk[i]).Type
		if !arrow.TypeEqual(lt, rt) {
			return nil, fmt.Errorf("exec: %s %s: key %d is %s on the left but %s on the right", op, id, i+1, lt, rt)
		}
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := &joinBase{
		id: id, typ: typ, schema: JoinOutputSchema(left, right), mem: mem,
		inputs: [2]*arrow.Schema{left, right},
		codecs: [2]*RowCodec{SchemaRowCodec(left), SchemaRowCodec(right)},
		keys:   [2][]int{lk, rk}, nl: left.NumFields(),
		wm: [2]int64{MinWatermark, MinWatermark}, sent: MinWatermark,
	}
	if residual != nil {
		if residual.Type().ID() != arrow.BOOL {
			return nil, fmt.Errorf("exec: %s %s: the join condition %s is %s, not BOOLEAN", op, id, residual, residual.Type())
		}
		ev, err := expr.Compile(residual, mem)
		if err != nil {
			return nil, fmt.Errorf("exec: %s %s: %w", op, id, err)
		}
		b.residual = ev
		b.cand = array.NewRecordBuilder(mem, b.schema)
	}
	b.intKey = len(lk) == 1 && isIntLike(left.Field(lk[0]).Type)
	b.out = NewBatchBuilder(b.schema, mem)
	return b, nil
}

// Schema is the output schema (JoinOutputSchema of the inputs).
func (b *joinBase) Schema() *arrow.Schema { return b.schema }

// StateID implements Stateful.
func (b *joinBase) StateID() string { return b.id }

// Close releases the builders; it is idempotent.
func (b *joinBase) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.out.Release()
	if b.cand != nil {
		b.cand.Release()
	}
	return nil
}

// check refuses messages the contract excludes: a side out of range, anything after
// that side's end, anything after Close.
func (b *joinBase) check(side int) error {
	switch {
	case b.closed:
		return fmt.Errorf("exec: join %s: message after Close", b.id)
	case side != 0 && side != 1:
		return fmt.Errorf("exec: join %s: no input side %d", b.id, side)
	case b.ended[side]:
		return fmt.Errorf("exec: join %s: message on side %d after its end", b.id, side)
	}
	return nil
}

// joinKeyV is an equality key: the value of a single integer-like key column in I (a map
// keyed by it needs no string hashing), or else the encoded key columns in S.
type joinKeyV struct {
	I int64
	S string
}

// batchKeys prepares the keys of a batch of side for key: the integer values of a single
// integer-like key column, viewed without copying when possible.
func (b *joinBase) batchKeys(side int, rb arrow.RecordBatch) {
	if b.intKey {
		// Per side: a view of one side's column must never become the other's scratch.
		b.keyInts[side] = int64s(rb.Column(b.keys[side][0]), b.keyInts[side][:0])
	}
}

// key is the equality key of row i of rb (a batch of side, after batchKeys). null is true
// when a key column is NULL: such a row matches nothing.
func (b *joinBase) key(side int, rb arrow.RecordBatch, i int) (key joinKeyV, null bool) {
	if b.intKey {
		if rb.Column(b.keys[side][0]).IsNull(i) {
			return joinKeyV{}, true
		}
		return joinKeyV{I: b.keyInts[side][i]}, false
	}
	k := b.scratch[:0]
	for _, c := range b.keys[side] {
		col := rb.Column(c)
		if col.IsNull(i) {
			return joinKeyV{}, true
		}
		k = appendCell(k, col, i)
	}
	b.scratch = k
	return joinKeyV{S: string(k)}, false
}

// joinKeyMap maps equality keys to V: integer keys (and the empty key of a join without
// keys) in a map by int64, encoded keys in a map by string.
type joinKeyMap[V any] struct {
	ints map[int64]V
	strs map[string]V
}

func newJoinKeyMap[V any]() joinKeyMap[V] {
	return joinKeyMap[V]{ints: map[int64]V{}, strs: map[string]V{}}
}

func (m joinKeyMap[V]) get(k joinKeyV) V {
	if k.S == "" {
		return m.ints[k.I]
	}
	return m.strs[k.S]
}

func (m joinKeyMap[V]) put(k joinKeyV, v V) {
	if k.S == "" {
		m.ints[k.I] = v
	} else {
		m.strs[k.S] = v
	}
}

func (m joinKeyMap[V]) delete(k joinKeyV) {
	if k.S == "" {
		delete(m.ints, k.I)
	} else {
		delete(m.strs, k.S)
	}
}

// all calls f for every entry, in no particular order.
func (m joinKeyMap[V]) all(f func(V)) {
	for _, v := range m.ints {
		f(v)
	}
	for _, v := range m.strs {
		f(v)
	}
}

// joinArenaChunk is the size of the chunks encodeRowArena allocates.
const joinArenaChunk = 64 << 10

// encodeRowArena is encodeRow with the string carved out of a shared chunk instead of
// allocated alone. A chunk lives as long as one of its rows does, so this is for state whose
// rows leave roughly in arrival order (time-bounded joins).
func (b *joinBase) encodeRowArena(side int, rb arrow.RecordBatch, i int) string {
	b.scratch = b.codecs[side].Append(b.scratch[:0], rb.Columns(), i)
	n := len(b.scratch)
	if n == 0 {
		return ""
	}
	if cap(b.arena)-len(b.arena) < n {
		b.arena = make([]byte, 0, max(joinArenaChunk, n))
	}
	off := len(b.arena)
	b.arena = append(b.arena, b.scratch...)
	return bytesString(b.arena[off:])
}

// encodeRow is the state encoding of row i of a batch of side.
func (b *joinBase) encodeRow(side int, rb arrow.RecordBatch, i int) string {
	b.scratch = b.codecs[side].Append(b.scratch[:0], rb.Columns(), i)
	return string(b.scratch)
}

// appendPair appends the output row l ++ r (encoded rows of the left and right sides) to bs.
func (b *joinBase) appendPair(bs []array.Builder, l, r string) {
	b.codecs[0].Decode(stringBytes(l), bs[:b.nl])
	b.codecs[1].Decode(stringBytes(r), bs[b.nl:])
}

// joined adds the output row l ++ r with kind k, n times.
func (b *joinBase) joined(l, r string, k RowKind, n int64) {
	for ; n > 0; n-- {
		b.appendPair(b.out.Fields(), l, r)
		b.out.Row(k)
	}
}

// padded adds the row of side with NULLs for the other side's columns, with kind k, n times.
func (b *joinBase) padded(side int, row string, k RowKind, n int64) {
	fs := b.out.Fields()
	own, other := fs[:b.nl], fs[b.nl:]
	if side == 1 {
		own, other = other, own
	}
	for ; n > 0; n-- {
		b.codecs[side].Decode(stringBytes(row), own)
		for _, f := range other {
			f.AppendNull()
		}
		b.out.Row(k)
	}
}

// flushIfFull emits the output collected so far once it fills a batch.
func (b *joinBase) flushIfFull(out Emitter) error {
	if b.out.Len() >= joinOutputRows {
		return b.out.Emit(out)
	}
	return nil
}

// evalResidual decides for n candidate pairs (pair(i) gives the encoded left and right rows
// of pair i) whether the residual condition is TRUE; NULL and FALSE are no match. The
// result is valid until the next call. Without a residual every pair passes.
func (b *joinBase) evalResidual(n int, pair func(i int) (l, r string)) ([]bool, error) {
	pass := growTo(b.pass[:0], n)
	b.pass = pass
	if b.residual == nil {
		for i := range pass {
			pass[i] = true
		}
		return pass, nil
	}
	for lo := 0; lo < n; lo += joinResidualChunk {
		hi := min(n, lo+joinResidualChunk)
		bs := b.cand.Fields()
		for i := lo; i < hi; i++ {
			l, r := pair(i)
			b.appendPair(bs, l, r)
		}
		if err := b.evalChunk(pass[lo:hi]); err != nil {
			return nil, err
		}
	}
	return pass, nil
}

func (b *joinBase) evalChunk(pass []bool) error {
	rec := b.cand.NewRecordBatch()
	defer rec.Release()
	mask, err := b.residual.Eval(rec)
	if err != nil {
		return fmt.Errorf("exec: join %s: %w", b.id, err)
	}
	defer mask.Release()
	bm, ok := mask.(*array.Boolean)
	if !ok {
		return fmt.Errorf("exec: join %s: the join condition gave %s, not BOOLEAN", b.id, mask.DataType())
	}
	for i := range pass {
		pass[i] = bm.IsValid(i) && bm.Value(i)
	}
	return nil
}

// minWatermark is the smaller of the two inputs' watermarks.
func (b *joinBase) minWatermark() int64 { return min(b.wm[0], b.wm[1]) }

// forward emits wm downstream when it advances past the last one forwarded.
func (b *joinBase) forward(wm int64, out Emitter) error {
	if wm <= b.sent {
		return nil
	}
	b.sent = wm
	return out.Emit(WatermarkMessage(wm))
}

// finish emits the final watermark (if not yet forwarded) and KindEnd, once both inputs
// ended. The caller has flushed all state.
func (b *joinBase) finish(out Emitter) error {
	if !b.ended[0] || !b.ended[1] || b.done {
		return nil
	}
	b.done = true
	if err := b.forward(MaxWatermark, out); err != nil {
		return err
	}
	return out.Emit(EndMessage())
}

// rowWatermark is the watermark row i of a batch of side saw: its RowWatermarks entry, and
// never less than the last watermark message of that side (a well-formed input never has a
// row watermark behind a watermark message that preceded the row).
func (b *joinBase) rowWatermark(side int, m Message, i int) int64 {
	return max(rowWatermark(m, i, b.wm[side]), b.wm[side])
}

// appendOnly refuses retractions on an input that must be append-only.
func (b *joinBase) appendOnly(op string, side int, m Message) error {
	for _, k := range m.Kinds {
		if k.IsRetract() {
			return fmt.Errorf("exec: %s %s: input %d is updating (%s row) but this join needs append-only inputs", op, b.id, side, k)
		}
	}
	return nil
}

// JoinSpec configures a regular (unwindowed) stream-stream join, Flink's
// StreamingJoinOperator.
type JoinSpec struct {
	// ID is the operator's state id.
	ID   string
	Type JoinType
	// LeftKeys and RightKeys are the equality keys: same count and identical types. They may
	// be empty: a cross join, usually with a Residual.
	LeftKeys, RightKeys []int
	// Residual is an extra condition over the output row (left ++ right columns); nil is
	// none. NULL and FALSE are no match.
	Residual expr.Expr
	// StateTTL is the idle state retention in ms of wall clock (0 keeps state forever): a row
	// neither inserted nor matched for StateTTL ms is dropped from state (Flink's
	// table.exec.state.ttl). Results involving expired rows are then incomplete, as in Flink.
	StateTTL int64
	// Now is the wall clock in ms for StateTTL; nil is time.Now.
	Now func() int64
}

// Join is the regular stream-stream join (Flink's StreamingJoinOperator). Its inputs may be
// append-only or updating; its output is updating, made of +I and -D rows only.
//
// Each side keeps its rows by equality key, each distinct row once with its multiplicity;
// a row of an outer side also keeps its number of matching rows on the other side
// (counted with multiplicity). A row arriving on one side is matched against the other
// side's rows of its key that satisfy the residual condition:
//
//   - an insert (+I, +U) emits +I of each joined row; an outer row without a match emits
//     its null-padded row as +I; a matched row of the other (outer) side that had no match
//     before first retracts its null-padded row (-D);
//   - a retraction (-U, -D) emits -D of each joined row it had produced (or of its padded
//     row when it had no match); a matched row of the other (outer) side that loses its last
//     match gets its null-padded row back (+I).
//
// A row with a NULL equality key matches nothing: on an outer side it is emitted padded at
// once (and retracted padded), and it is not kept in state.
//
// Time attributes are lost: the output watermark is the minimum of both inputs' watermarks,
// forwarded when it advances.
type Join struct {
	*joinBase
	spec  JoinSpec
	now   func() int64
	state [2]*joinSide
	ttl   timeHeap[*joinRow] // rows by the time of their entry (StateTTL)

	// StateExpired counts rows (with multiplicity) dropped from state by StateTTL.
	StateExpired int64
	// UnmatchedRetractions counts retractions of rows not in state (expired by StateTTL, or
	// never inserted). As in Flink they still retract the joined rows of their current matches.
	UnmatchedRetractions int64

	rowsBuf  []joinInput
	pairs    []joinPair
	matchBuf []*joinRow
}

// joinSide is the state of one input: its rows by equality key.
type joinSide struct {
	keys joinKeyMap[*joinKeyRows]
	rows int64 // with multiplicity
}

// joinKeyRows holds the distinct rows of one key of one side, in order of arrival. Rows whose
// count dropped to zero stay in rows (dead) until more than half of them are dead.
type joinKeyRows struct {
	key   joinKeyV
	side  uint8
	rows  []*joinRow
	byRow map[string]*joinRow // index of the live rows, once there are more than joinKeyScan
	dead  int
}

// joinKeyScan is the most rows of a key looked up by a linear scan instead of a map.
const joinKeyScan = 8

// joinRow is one distinct row in state.
type joinRow struct {
	row     string
	k       *joinKeyRows
	count   int64 // multiplicity; 0 when the row left state
	matches int64 // outer sides: matching rows of the other side, with multiplicity
	touched int64 // wall clock ms of the last insert or match (StateTTL)
	queued  bool  // has an entry in the TTL heap
}

// joinInput is one row of the batch being processed.
type joinInput struct {
	row     string
	key     joinKeyV
	null    bool // a key column is NULL
	retract bool
	pairs   int // end of its candidate pairs in Join.pairs
}

// joinPair is a candidate match: input row in (index into Join.rowsBuf) and a row of the
// other side.
type joinPair struct {
	in    int
	other *joinRow
}

// NewJoin builds a regular join of left and right.
func NewJoin(left, right *arrow.Schema, spec JoinSpec, mem memory.Allocator) (*Join, error) {
	base, err := newJoinBase("join", spec.ID, spec.Type, left, right, spec.LeftKeys, spec.RightKeys, spec.Residual, mem)
	if err != nil {
		return nil, err
	}
	if spec.StateTTL < 0 {
		return nil, fmt.Errorf("exec: join %s: negative state TTL %d", spec.ID, spec.StateTTL)
	}
	now := spec.Now
	if now == nil {
		now = func() int64 { return time.Now().UnixMilli() }
	}
	return &Join{joinBase: base, spec: spec, now: now, state: [2]*joinSide{newJoinSide(), newJoinSide()}}, nil
}

func newJoinSide() *joinSide { return &joinSide{keys: newJoinKeyMap[*joinKeyRows]()} }

// StateRows is the number of rows in state on both sides, with multiplicity.
func (j *Join) StateRows() int64 { return j.state[0].rows + j.state[1].rows }

// ProcessSide implements BinaryOperator.
func (j *Join) ProcessSide(side int, m Message, out Emitter) error {
	if err := j.check(side); err != nil {
		return err
	}
	switch m.Kind {
	case KindBatch:
		return j.processBatch(side, m, out)
	case KindWatermark:
		if m.Watermark > j.wm[side] {
			j.wm[side] = m.Watermark
		}
		return j.forward(j.minWatermark(), out)
	default:
		j.ended[side] = true
		j.wm[side] = MaxWatermark
		if err := j.forward(j.minWatermark(), out); err != nil {
			return err
		}
		return j.finish(out)
	}
}

// processBatch joins the rows of a batch of side, in order, against the other side's state.
// The other side's rows do not change while a batch of this side is processed (only their
// match counts do), so the candidate pairs of many input rows are gathered and checked
// against the residual together, a group of rows at a time.
func (j *Join) processBatch(side int, m Message, out Emitter) error {
	n := int(m.Batch.NumRows())
	if n == 0 {
		return nil
	}
	var now int64
	if j.spec.StateTTL > 0 {
		now = j.now()
		j.expire(now)
	}
	other := j.state[1-side]
	j.batchKeys(side, m.Batch)
	for i := 0; i < n; {
		rows, pairs := j.rowsBuf[:0], j.pairs[:0]
		for ; i < n && len(pairs) < joinResidualChunk; i++ {
			in := joinInput{retract: m.KindOf(i).IsRetract()}
			in.key, in.null = j.key(side, m.Batch, i)
			in.row = j.encodeRow(side, m.Batch, i)
			if !in.null {
				if k := other.keys.get(in.key); k != nil {
					for _, r := range k.rows {
						if r.count > 0 {
							pairs = append(pairs, joinPair{in: len(rows), other: r})
						}
					}
				}
			}
			in.pairs = len(pairs)
			rows = append(rows, in)
		}
		j.rowsBuf, j.pairs = rows, pairs
		pass, err := j.evalResidual(len(pairs), func(p int) (string, string) {
			return joinOrient(side, rows[pairs[p].in].row, pairs[p].other.row)
		})
		if err != nil {
			return err
		}
		start := 0
		for r := range rows {
			matches := j.matchBuf[:0]
			for p := start; p < rows[r].pairs; p++ {
				if pass[p] {
					matches = append(matches, pairs[p].other)
				}
			}
			start = rows[r].pairs
			j.matchBuf = matches
			if rows[r].retract {
				j.retract(side, &rows[r], matches, now)
			} else {
				j.accumulate(side, &rows[r], matches, now)
			}
			if err := j.flushIfFull(out); err != nil {
				return err
			}
		}
	}
	return j.out.Emit(out)
}

// joinOrient orders the encoded row of side and the other side's row as (left, right).
func joinOrient(side int, row, other string) (string, string) {
	if side == 0 {
		return row, other
	}
	return other, row
}

// accumulate handles an insert of in on side; matches are the other side's matching rows.
func (j *Join) accumulate(side int, in *joinInput, matches []*joinRow, now int64) {
	if j.typ.outer(1 - side) {
		for _, o := range matches {
			if o.matches == 0 {
				j.padded(1-side, o.row, Delete, o.count)
			}
			o.matches++
		}
	}
	var total int64
	for _, o := range matches {
		l, r := joinOrient(side, in.row, o.row)
		j.joined(l, r, Insert, o.count)
		total += o.count
		j.touch(o, now)
	}
	if total == 0 && j.typ.outer(side) {
		j.padded(side, in.row, Insert, 1)
	}
	if in.null {
		return // matches nothing ever: no state
	}
	r := j.state[side].add(side, in.key, in.row)
	r.matches = total
	j.touch(r, now)
}

// retract handles a retraction of in on side; matches are the other side's matching rows.
func (j *Join) retract(side int, in *joinInput, matches []*joinRow, now int64) {
	if !in.null {
		if r := j.state[side].find(in.key, in.row); r != nil {
			j.state[side].remove(r, 1)
		} else {
			j.UnmatchedRetractions++
		}
	}
	if len(matches) == 0 {
		if j.typ.outer(side) {
			j.padded(side, in.row, Delete, 1)
		}
		return
	}
	for _, o := range matches {
		l, r := joinOrient(side, in.row, o.row)
		j.joined(l, r, Delete, o.count)
		j.touch(o, now)
	}
	if j.typ.outer(1 - side) {
		for _, o := range matches {
			if o.matches == 1 {
				j.padded(1-side, o.row, Insert, o.count)
			}
			if o.matches > 0 {
				o.matches--
			}
		}
	}
}

// find returns the live row equal to row under key, or nil.
func (s *joinSide) find(key joinKeyV, row string) *joinRow {
	k := s.keys.get(key)
	if k == nil {
		return nil
	}
	if k.byRow != nil {
		return k.byRow[row]
	}
	for _, r := range k.rows {
		if r.count > 0 && r.row == row {
			return r
		}
	}
	return nil
}

// add inserts one copy of row under key and returns its state entry.
func (s *joinSide) add(side int, key joinKeyV, row string) *joinRow {
	s.rows++
	k := s.keys.get(key)
	if k == nil {
		k = &joinKeyRows{key: key, side: uint8(side)}
		s.keys.put(key, k)
	} else if r := s.find(key, row); r != nil {
		r.count++
		return r
	}
	r := &joinRow{row: row, k: k, count: 1}
	k.rows = append(k.rows, r)
	switch {
	case k.byRow != nil:
		k.byRow[row] = r
	case len(k.rows)-k.dead > joinKeyScan:
		k.byRow = make(map[string]*joinRow, 2*joinKeyScan)
		for _, x := range k.rows {
			if x.count > 0 {
				k.byRow[x.row] = x
			}
		}
	}
	return r
}

// remove takes n copies (at most all) of r out of state.
func (s *joinSide) remove(r *joinRow, n int64) {
	n = min(n, r.count)
	r.count -= n
	s.rows -= n
	if r.count > 0 {
		return
	}
	k := r.k
	if k.byRow != nil {
		delete(k.byRow, r.row)
	}
	k.dead++
	if k.dead == len(k.rows) {
		s.keys.delete(k.key)
		return
	}
	if 2*k.dead > len(k.rows) {
		live := k.rows[:0]
		for _, x := range k.rows {
			if x.count > 0 {
				live = append(live, x)
			}
		}
		clear(k.rows[len(live):])
		k.rows, k.dead = live, 0
	}
}

// touch records that r was inserted or matched at now, for StateTTL.
func (j *Join) touch(r *joinRow, now int64) {
	if j.spec.StateTTL <= 0 {
		return
	}
	r.touched = now
	if !r.queued {
		r.queued = true
		j.ttl.push(now, r)
	}
}

// expire drops the rows untouched for StateTTL ms. The heap holds one entry per row in
// state, ordered by the time the entry was made; a row touched since is queued again at its
// last touch.
func (j *Join) expire(now int64) {
	for len(j.ttl) > 0 && satAdd(j.ttl[0].at, j.spec.StateTTL) <= now {
		e := j.ttl.pop()
		r := e.v
		switch {
		case r.count == 0:
			r.queued = false
		case r.touched > e.at:
			j.ttl.push(r.touched, r)
		default:
			r.queued = false
			j.StateExpired += r.count
			j.state[r.k.side].remove(r, r.count)
		}
	}
}

// Close releases the operator's buffers and state; it is idempotent.
func (j *Join) Close() error {
	j.state = [2]*joinSide{newJoinSide(), newJoinSide()}
	j.ttl = nil
	return j.joinBase.Close()
}

// joinRowState is one distinct row of a Join's state in a snapshot.
type joinRowState struct {
	Side           uint8
	Key            joinKeyV
	Row            string
	Count, Matches int64
	Touched        int64
}

// Snapshot implements Stateful: watermarks, counters and every row in state.
func (j *Join) Snapshot() ([]byte, error) {
	var rows []joinRowState
	for side, s := range j.state {
		s.keys.all(func(k *joinKeyRows) {
			for _, r := range k.rows {
				if r.count > 0 {
					rows = append(rows, joinRowState{Side: uint8(side), Key: k.key, Row: r.row,
						Count: r.count, Matches: r.matches, Touched: r.touched})
				}
			}
		})
	}
	return encodeState(j.wm, j.sent, j.ended, j.StateExpired, j.UnmatchedRetractions, rows)
}

// Restore implements Stateful.
func (j *Join) Restore(b []byte) error {
	var rows []joinRowState
	if err := decodeState(b, j.id, &j.wm, &j.sent, &j.ended, &j.StateExpired, &j.UnmatchedRetractions, &rows); err != nil {
		return err
	}
	j.state = [2]*joinSide{newJoinSide(), newJoinSide()}
	j.ttl = nil
	for _, x := range rows {
		if x.Side > 1 || x.Count <= 0 {
			return fmt.Errorf("state of %s: bad row (side %d, count %d)", j.id, x.Side, x.Count)
		}
		s := j.state[x.Side]
		e := s.add(int(x.Side), x.Key, x.Row)
		e.count, e.matches = x.Count, x.Matches
		s.rows += x.Count - 1
		j.touch(e, x.Touched)
	}
	return nil
}

var (
	_ BinaryOperator = (*Join)(nil)
	_ Stateful       = (*Join)(nil)
)
