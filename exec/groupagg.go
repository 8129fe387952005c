package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// GroupAggSpec describes an unbounded GROUP BY (Flink's GroupAggregate): one result row per
// distinct key, kept up to date as rows arrive and leave.
type GroupAggSpec struct {
	ID string
	// Keys are the input columns grouped by; empty: one global group.
	Keys []int
	// Aggs are the aggregate calls, as in window aggregation.
	Aggs []AggSpec
	// InputUpdating says the input carries -U/-D rows: MIN/MAX then keep a multiset of
	// values per group so that they can take a value back. With InputUpdating false a
	// retraction reaching a MIN/MAX aggregation is an error.
	InputUpdating bool
}

// GroupOutputSchema is the output schema of an unbounded GROUP BY: the key columns (input
// names and types), then one column per aggregate (Name, Type); all nullable.
func GroupOutputSchema(input *arrow.Schema, spec GroupAggSpec) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(spec.Keys)+len(spec.Aggs))
	for _, k := range spec.Keys {
		f := input.Field(k)
		f.Nullable = true
		fields = append(fields, f)
	}
	for _, a := range spec.Aggs {
		fields = append(fields, arrow.Field{Name: a.Name, Type: a.Type, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// GroupAggregate is the operator of an unbounded GROUP BY. Its output is a changelog keyed
// by the group key. For each input batch it applies every row (+I/+U add, -U/-D take back),
// then emits, for the groups the batch touched and in the order they were first touched:
//
//   - +I for a new group;
//   - -U of the previously emitted row, then +U of the new one, for a group whose result
//     changed (a group whose result did not change emits nothing);
//   - -D of the previously emitted row for a group whose row count (rows added minus rows
//     taken back) fell to 0; the group is forgotten.
//
// A group that appears and disappears within one batch emits nothing. All of a batch's
// changes go out as one message. A retraction of a row whose group does not exist is
// ignored and counted in RetractionsIgnored.
//
// Groups have ids indexing the state vectors of the accumulators, which also keep each
// group's last emitted results (groupagg_acc.go). A single integer-like key is looked up in
// an open-addressing int64 table (groupIntIndex); other keys (several columns, strings, ...)
// are encoded to bytes (keyCodec) and looked up in a map. Ids of forgotten groups are reused.
// Rows are applied a column at a time (accumulators update vectors of group ids), and output
// columns are built whole.
type GroupAggregate struct {
	spec   GroupAggSpec
	schema *arrow.Schema
	out    *BatchBuilder
	keys   *keyCodec
	aggs   *groupAggSet

	// Key index. intKey: exactly one integer-like key column, looked up in byInt. strKey:
	// exactly one STRING key column, its values the keys of byKey. Other keys: encoded
	// (keyCodec), the encodings the keys of byKey. oneKey: intKey or strKey.
	intKey, strKey, oneKey bool
	byInt                  *groupIntIndex
	byKey                  map[string]int32
	nullGroup              int32 // oneKey: the group of the NULL key, -1 when none

	// Per group id.
	meta      []groupMeta
	groupInt  []int64  // intKey
	groupKey  []string // strKey: the value; other keys: the encoding
	groupNull []bool   // oneKey
	nGroups   int
	free      []int32

	// Per batch.
	touched  []groupTouch
	replaced []int32 // groups emptied and replaced within the batch, not holding a last row
	groups   []int32
	retract  []bool
	keyCols  []arrow.Array
	ints     []int64
	intsBuf  []int64
	strs     *array.String
	keyNulls bool
	key      []byte

	// Emission scratch.
	evalG   []int32
	oldG    []int32
	changed []bool
	src     []int32
	commits []groupCommit
	kinds   []RowKind
	keyVals []int64
	keyStrs []string
	keyOK   []bool

	wm     int64
	ended  bool
	closed bool

	// RetractionsIgnored counts -U/-D rows for a group that did not exist (never added, or
	// already emptied): there was nothing to take back.
	RetractionsIgnored int64
}

// groupMeta is the bookkeeping of one group id, in one place for one memory access.
type groupMeta struct {
	rows      int64 // rows added minus rows taken back; 0 for a free id
	touchedAt int32 // index in touched during a batch, else -1
}

// groupTouch is one group key touched by the current batch: old is the group that holds
// the row last emitted for the key (-1: none), cur the group holding the key's state now
// (it differs from old when the key's rows were all taken back and new ones came within
// the batch: the state starts afresh, as it would have had the batch been split there). In
// int-key mode the key is kept here too, so that output keys are read in order.
type groupTouch struct {
	old, cur int32
	key      int64
	null     bool
}

// NewGroupAggregate builds the operator.
func NewGroupAggregate(input *arrow.Schema, spec GroupAggSpec, mem memory.Allocator) (*GroupAggregate, error) {
	kt := make([]arrow.DataType, len(spec.Keys))
	for i, k := range spec.Keys {
		if k < 0 || k >= input.NumFields() {
			return nil, fmt.Errorf("exec: GROUP BY %s: key column %d out of range", spec.ID, k)
		}
		kt[i] = input.Field(k).Type
	}
	kc, err := newKeyCodec(kt)
	if err != nil {
		return nil, fmt.Errorf("exec: GROUP BY %s: %w", spec.ID, err)
	}
	as, err := newGroupAggSet(spec.Aggs, input, spec.InputUpdating)
	if err != nil {
		return nil, fmt.Errorf("exec: GROUP BY %s: %w", spec.ID, err)
	}
	schema := GroupOutputSchema(input, spec)
	o := &GroupAggregate{
		spec: spec, schema: schema, out: NewBatchBuilder(schema, mem), keys: kc, aggs: as,
		intKey: len(kt) == 1 && isIntLike(kt[0]), strKey: len(kt) == 1 && kt[0].ID() == arrow.STRING,
		nullGroup: -1, wm: MinWatermark,
	}
	o.oneKey = o.intKey || o.strKey
	o.resetIndex(0)
	return o, nil
}

// Schema implements Operator.
func (o *GroupAggregate) Schema() *arrow.Schema { return o.schema }

// StateID implements Stateful.
func (o *GroupAggregate) StateID() string { return o.spec.ID }

// Close implements Operator.
func (o *GroupAggregate) Close() error {
	if !o.closed {
		o.closed = true
		o.out.Release()
	}
	return nil
}

// Process implements Operator.
func (o *GroupAggregate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		if o.ended {
			return fmt.Errorf("exec: GROUP BY %s: a batch after the end of the input", o.spec.ID)
		}
		if m.Batch == nil || m.Batch.NumRows() == 0 {
			return nil
		}
		if err := o.apply(m); err != nil {
			return err
		}
		return o.emitChanges(out)
	case KindWatermark:
		// Results are emitted per batch: nothing waits for a watermark.
		if m.Watermark <= o.wm {
			return nil
		}
		o.wm = m.Watermark
		return out.Emit(WatermarkMessage(m.Watermark))
	default:
		if o.ended {
			return nil
		}
		o.ended = true
		if o.wm != MaxWatermark {
			o.wm = MaxWatermark
			if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
				return err
			}
		}
		return out.Emit(m)
	}
}

// apply folds the rows of one batch into the groups, recording the groups it touches.
func (o *GroupAggregate) apply(m Message) error {
	b := m.Batch
	n := int(b.NumRows())
	o.retract = o.retract[:0]
	if m.Kinds != nil {
		if len(m.Kinds) != n {
			return fmt.Errorf("exec: GROUP BY %s: %d row kinds for %d rows", o.spec.ID, len(m.Kinds), n)
		}
		some := false
		o.retract = growTo(o.retract, n)
		for i, k := range m.Kinds {
			o.retract[i] = k.IsRetract()
			some = some || o.retract[i]
		}
		if !some {
			o.retract = o.retract[:0]
		} else if o.aggs.appendOnly {
			return fmt.Errorf("exec: GROUP BY %s: the input retracts rows but was declared append-only (InputUpdating false) and MIN/MAX cannot take values back", o.spec.ID)
		}
	}
	var retract []bool
	if len(o.retract) > 0 {
		retract = o.retract
	}
	o.keyCols = o.keyCols[:0]
	for _, k := range o.spec.Keys {
		o.keyCols = append(o.keyCols, b.Column(k))
	}
	if o.intKey {
		o.ints = int64s(o.keyCols[0], o.intsBuf)
		if !groupIntsView(o.keyCols[0]) {
			o.intsBuf = o.ints[:0] // a converted copy: keep the buffer for the next batch
		}
	}
	if o.strKey {
		o.strs = o.keyCols[0].(*array.String)
	}
	o.keyNulls = o.oneKey && o.keyCols[0].NullN() > 0
	o.groups = growTo(o.groups[:0], n)
	o.assignGroups(n, retract)
	o.aggs.update(b, o.groups, retract)
	o.ints, o.strs = nil, nil
	clear(o.keyCols)
	return nil
}

// groupIntsView reports whether int64s returns arr's own buffer (not a converted copy).
func groupIntsView(arr arrow.Array) bool {
	switch arr.(type) {
	case *array.Int64, *array.Timestamp, *array.Duration, *array.Date64:
		return true
	}
	return false
}

// assignGroups sets o.groups[i] to the group of row i (-1 for an ignored retraction) and
// keeps each group's row count.
func (o *GroupAggregate) assignGroups(n int, retract []bool) {
	if o.intKey && !o.keyNulls && retract == nil {
		o.assignIntGroups(n)
		return
	}
	groups := o.groups
	for i := 0; i < n; i++ {
		back := retract != nil && retract[i]
		var g int32
		if o.intKey && !(o.keyNulls && o.keyCols[0].IsNull(i)) {
			g = o.byInt.get(o.ints[i]) // the common case, inlined
		} else {
			g = o.findGroup(i)
		}
		var gm *groupMeta
		if g >= 0 {
			gm = &o.meta[g]
		}
		switch {
		case g < 0 || gm.rows == 0:
			// No live group: a new key, or one whose rows this batch took all back.
			if back {
				o.RetractionsIgnored++
				groups[i] = -1
				continue
			}
			g = o.startGroup(i, g)
			gm = &o.meta[g]
		case gm.touchedAt < 0:
			gm.touchedAt = int32(len(o.touched))
			o.touched = append(o.touched, o.touch(i, g, g))
		}
		if back {
			gm.rows--
		} else {
			gm.rows++
		}
		groups[i] = g
	}
}

// assignIntGroups is assignGroups for the common case: one integer key without NULLs, and
// no retractions.
func (o *GroupAggregate) assignIntGroups(n int) {
	groups, ints := o.groups[:n], o.ints[:n]
	for i, k := range ints {
		g := o.byInt.get(k)
		if g < 0 {
			g = o.startGroup(i, g)
		} else if m := &o.meta[g]; m.touchedAt < 0 {
			m.touchedAt = int32(len(o.touched))
			o.touched = append(o.touched, groupTouch{old: g, cur: g, key: k})
		}
		o.meta[g].rows++
		groups[i] = g
	}
}

// findGroup returns the group of row i's key, or -1. For encoded keys it leaves the key in
// o.key.
func (o *GroupAggregate) findGroup(i int) int32 {
	switch {
	case o.keyNulls && o.keyCols[0].IsNull(i):
		return o.nullGroup
	case o.intKey:
		return o.byInt.get(o.ints[i])
	case o.strKey:
		if g, ok := o.byKey[o.strs.Value(i)]; ok {
			return g
		}
		return -1
	}
	k := o.key[:0]
	for _, c := range o.keyCols {
		k = appendValue(k, c, i)
	}
	o.key = k
	if g, ok := o.byKey[string(k)]; ok {
		return g
	}
	return -1
}

// startGroup gives row i's key a fresh group. prev is the key's emptied group of this batch,
// or -1 for a key not in the index.
func (o *GroupAggregate) startGroup(i int, prev int32) int32 {
	g := o.newGroup()
	if prev < 0 {
		o.indexKey(i, g)
		o.meta[g].touchedAt = int32(len(o.touched))
		o.touched = append(o.touched, o.touch(i, -1, g))
		return g
	}
	o.reindex(prev, g)
	t := o.meta[prev].touchedAt
	o.meta[g].touchedAt = t
	o.touched[t].cur = g
	if o.touched[t].old != prev {
		o.replaced = append(o.replaced, prev)
	}
	return g
}

// touch is the entry of row i's key, first touched by this batch.
func (o *GroupAggregate) touch(i int, old, cur int32) groupTouch {
	t := groupTouch{old: old, cur: cur}
	if o.intKey {
		t.null = o.keyNulls && o.keyCols[0].IsNull(i)
		if !t.null {
			t.key = o.ints[i]
		}
	}
	return t
}

// newGroup takes a free group id (or a new one); its state is empty.
func (o *GroupAggregate) newGroup() int32 {
	if n := len(o.free); n > 0 {
		g := o.free[n-1]
		o.free = o.free[:n-1]
		return g
	}
	g := int32(o.nGroups)
	o.nGroups++
	o.growGroups(o.nGroups)
	o.meta[g] = groupMeta{touchedAt: -1}
	return g
}

func (o *GroupAggregate) growGroups(n int) {
	o.meta = growTo(o.meta, n)
	if o.intKey {
		o.groupInt = growTo(o.groupInt, n)
	} else {
		o.groupKey = growTo(o.groupKey, n)
	}
	if o.oneKey {
		o.groupNull = growTo(o.groupNull, n)
	}
	o.aggs.grow(n)
}

// release forgets group g and frees its id.
func (o *GroupAggregate) release(g int32) {
	o.meta[g] = groupMeta{touchedAt: -1}
	if !o.intKey {
		o.groupKey[g] = ""
	}
	o.aggs.reset(g)
	o.free = append(o.free, g)
}

// indexKey records row i's key as the key of group g.
func (o *GroupAggregate) indexKey(i int, g int32) {
	switch {
	case o.keyNulls && o.keyCols[0].IsNull(i):
		o.nullGroup, o.groupNull[g] = g, true
		if o.intKey {
			o.groupInt[g] = 0
		}
	case o.intKey:
		k := o.ints[i]
		o.byInt.put(k, g)
		o.groupInt[g], o.groupNull[g] = k, false
	case o.strKey:
		o.groupKey[g], o.groupNull[g] = strings.Clone(o.strs.Value(i)), false
		o.byKey[o.groupKey[g]] = g
	default:
		o.groupKey[g] = string(o.key)
		o.byKey[o.groupKey[g]] = g
	}
}

// reindex moves the key of group from to group to.
func (o *GroupAggregate) reindex(from, to int32) {
	if o.oneKey {
		o.groupNull[to] = o.groupNull[from]
		if o.groupNull[from] {
			o.nullGroup = to
			return
		}
	}
	if o.intKey {
		k := o.groupInt[from]
		o.byInt.set(k, to)
		o.groupInt[to] = k
		return
	}
	o.groupKey[to] = o.groupKey[from]
	o.byKey[o.groupKey[to]] = to
}

// unindex removes the key of group g from the index.
func (o *GroupAggregate) unindex(g int32) {
	switch {
	case o.oneKey && o.groupNull[g]:
		o.nullGroup = -1
	case o.intKey:
		o.byInt.remove(o.groupInt[g])
	default:
		delete(o.byKey, o.groupKey[g])
	}
}

// resetIndex makes an empty key index sized for about n groups.
func (o *GroupAggregate) resetIndex(n int) {
	o.nullGroup = -1
	if o.intKey {
		o.byInt, o.byKey = newGroupIntIndex(n), nil
	} else {
		o.byInt, o.byKey = nil, make(map[string]int32, n)
	}
}

// emitChanges emits the changes of the groups the last batch touched and forgets the
// groups it emptied.
func (o *GroupAggregate) emitChanges(out Emitter) error {
	ts := o.touched
	if len(ts) == 0 {
		o.forgetReplaced()
		return nil
	}
	n := len(ts)
	evalG := growTo(o.evalG[:0], n) // per touched key: its live group, or -1
	oldG := growTo(o.oldG[:0], n)   // per touched key: the group holding its last row, or -1
	changed := growTo(o.changed[:0], n)
	for j := range ts {
		t := &ts[j]
		evalG[j], oldG[j], changed[j] = t.cur, t.old, false
		m := &o.meta[t.cur]
		m.touchedAt = -1 // the batch's groups are all assigned
		if m.rows == 0 {
			evalG[j], changed[j] = -1, true
		}
	}
	o.aggs.evaluate(evalG)
	o.aggs.diff(oldG, changed)

	// Output row k shows result src[k]: j for key j's new result, n+j for its last emitted
	// one.
	src, commits, kinds := o.src[:0], o.commits[:0], o.kinds[:0]
	for j := range ts {
		t := &ts[j]
		live := evalG[j] >= 0
		switch {
		case t.old < 0 && live:
			src = append(src, int32(j))
			commits = append(commits, groupCommit{int32(j), t.cur})
			kinds = append(kinds, Insert)
		case t.old < 0:
			// Appeared and disappeared within the batch.
		case !live:
			src = append(src, int32(n+j))
			kinds = append(kinds, Delete)
		case changed[j]:
			src = append(src, int32(n+j), int32(j))
			commits = append(commits, groupCommit{int32(j), t.cur})
			kinds = append(kinds, UpdateBefore, UpdateAfter)
		}
	}
	if len(src) > 0 {
		fs := o.out.Fields()
		for _, f := range fs {
			f.Reserve(len(src))
		}
		nk := len(o.spec.Keys)
		o.appendKeys(fs[:nk], src)
		o.aggs.appendRows(fs[nk:], src)
		o.aggs.commit(commits)
		o.out.appendRowKinds(kinds)
	}
	for j := range ts {
		t := &ts[j]
		switch {
		case evalG[j] < 0:
			o.unindex(t.cur)
			o.release(t.cur)
		case t.old >= 0 && t.old != t.cur && !changed[j]:
			o.aggs.carry(t.old, t.cur) // unchanged: the new group keeps the emitted row
		}
		if t.old >= 0 && t.old != t.cur {
			o.release(t.old)
		}
	}
	o.forgetReplaced()
	o.touched = ts[:0]
	o.evalG, o.oldG, o.changed = evalG, oldG, changed
	o.src, o.commits, o.kinds = src[:0], commits[:0], kinds[:0]
	return o.out.Emit(out)
}

// forgetReplaced frees the groups emptied and replaced within the batch.
func (o *GroupAggregate) forgetReplaced() {
	for _, g := range o.replaced {
		o.release(g)
	}
	o.replaced = o.replaced[:0]
}

// appendKeys appends the keys of the output rows to the key column builders: row k is of
// touched key src[k] mod n.
func (o *GroupAggregate) appendKeys(bs []array.Builder, src []int32) {
	if len(bs) == 0 {
		return
	}
	ts := o.touched
	n := int32(len(ts))
	if o.strKey {
		o.appendStringKeys(bs[0].(*array.StringBuilder), src)
		return
	}
	if !o.intKey {
		for _, j := range src {
			if j >= n {
				j -= n
			}
			k := o.groupKey[ts[j].cur]
			o.keys.decodeInto(stringBytes(k), bs)
		}
		return
	}
	vals := growTo(o.keyVals[:0], len(src))[:len(src)]
	valid := growTo(o.keyOK[:0], len(src))[:len(src)]
	nulls := false
	for k, j := range src {
		if j >= n {
			j -= n
		}
		t := &ts[j]
		vals[k], valid[k] = t.key, !t.null
		nulls = nulls || t.null
	}
	o.keyVals, o.keyOK = vals, valid
	if !nulls {
		valid = nil
	}
	groupAppendInt64s(bs[0], vals, valid)
}

// appendRowKinds records the kinds of the rows just appended to the column builders, as
// Row does for one row, sizing the kinds in one allocation.
func (b *BatchBuilder) appendRowKinds(kinds []RowKind) {
	if b.kinds == nil {
		b.kinds = make([]RowKind, 0, len(kinds))
	}
	b.kinds = append(b.kinds, kinds...)
	for _, k := range kinds {
		if k != Insert {
			b.update = true
			break
		}
	}
}

// appendStringKeys is appendKeys for one STRING key.
func (o *GroupAggregate) appendStringKeys(b *array.StringBuilder, src []int32) {
	ts := o.touched
	n := int32(len(ts))
	vals := growTo(o.keyStrs[:0], len(src))[:len(src)]
	valid := growTo(o.keyOK[:0], len(src))[:len(src)]
	nulls := false
	for k, j := range src {
		if j >= n {
			j -= n
		}
		g := ts[j].cur
		vals[k], valid[k] = o.groupKey[g], !o.groupNull[g]
		nulls = nulls || o.groupNull[g]
	}
	if !nulls {
		valid = nil
	}
	b.AppendValues(vals, valid)
	clear(vals)
	o.keyStrs = vals[:0]
}

// groupIntIndex maps int64 keys to group ids by open addressing with linear probing, as
// intTable does, but a key and its id share a slot (one memory access per probe), and keys
// can be removed (backward-shift deletion: no tombstones).
type groupIntIndex struct {
	slots []groupIntSlot
	mask  uint64
	count int
}

type groupIntSlot struct {
	key int64
	g   int32 // -1: empty
}

func newGroupIntIndex(hint int) *groupIntIndex {
	n := 16
	for n < hint*2 {
		n <<= 1
	}
	t := &groupIntIndex{slots: make([]groupIntSlot, n), mask: uint64(n - 1)}
	for i := range t.slots {
		t.slots[i].g = -1
	}
	return t
}

// get returns the group of k, or -1.
func (t *groupIntIndex) get(k int64) int32 {
	for i := hashInt(k) & t.mask; ; i = (i + 1) & t.mask {
		if s := t.slots[i]; s.g < 0 || s.key == k {
			return s.g
		}
	}
}

// put stores k -> g; k must not be present.
func (t *groupIntIndex) put(k int64, g int32) {
	if 2*(t.count+1) > len(t.slots) {
		t.grow()
	}
	i := hashInt(k) & t.mask
	for t.slots[i].g >= 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = groupIntSlot{k, g}
	t.count++
}

// set points k at g, adding k when absent.
func (t *groupIntIndex) set(k int64, g int32) {
	for i := hashInt(k) & t.mask; t.slots[i].g >= 0; i = (i + 1) & t.mask {
		if t.slots[i].key == k {
			t.slots[i].g = g
			return
		}
	}
	t.put(k, g)
}

// remove deletes k (when present). The entries after its slot that could no longer be
// reached move back into the hole.
func (t *groupIntIndex) remove(k int64) {
	i := hashInt(k) & t.mask
	for ; t.slots[i].key != k; i = (i + 1) & t.mask {
		if t.slots[i].g < 0 {
			return
		}
	}
	if t.slots[i].g < 0 {
		return
	}
	for j := (i + 1) & t.mask; t.slots[j].g >= 0; j = (j + 1) & t.mask {
		// The entry at j stays unless its home slot h lies cyclically outside (i, j].
		h := hashInt(t.slots[j].key) & t.mask
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i].g = -1
	t.count--
}

func (t *groupIntIndex) grow() {
	old := t.slots
	n := 2 * len(old)
	t.slots, t.mask, t.count = make([]groupIntSlot, n), uint64(n-1), 0
	for i := range t.slots {
		t.slots[i].g = -1
	}
	for _, s := range old {
		if s.g >= 0 {
			t.put(s.key, s.g)
		}
	}
}

// Snapshot implements Stateful. It is taken between messages, when no batch is pending.
func (o *GroupAggregate) Snapshot() ([]byte, error) {
	w := newStateWriter()
	w.put(o.wm)
	w.put(o.ended)
	w.put(o.RetractionsIgnored)
	w.put(o.nGroups)
	w.put(o.free)
	rows := make([]int64, o.nGroups)
	for g := range rows {
		rows[g] = o.meta[g].rows
	}
	w.put(rows)
	if o.intKey {
		w.put(o.groupInt)
	} else {
		w.put(o.groupKey)
	}
	if o.oneKey {
		w.put(o.groupNull)
	}
	o.aggs.snapshot(w)
	return w.bytes()
}

// Restore implements Stateful.
func (o *GroupAggregate) Restore(state []byte) error {
	r, err := newStateReader(state, o.spec.ID)
	if err != nil {
		return err
	}
	r.get(&o.wm)
	// A checkpoint taken after the end of input (a finished job's last one) restores to an
	// operator that has not seen this run's end: it must still pass it on.
	var ended bool
	r.get(&ended)
	r.get(&o.RetractionsIgnored)
	r.get(&o.nGroups)
	r.get(&o.free)
	var rows []int64
	r.get(&rows)
	if o.intKey {
		r.get(&o.groupInt)
	} else {
		r.get(&o.groupKey)
	}
	if o.oneKey {
		r.get(&o.groupNull)
	}
	o.growGroups(o.nGroups)
	o.aggs.restore(r)
	if r.err != nil {
		return fmt.Errorf("state of %s: %w", o.spec.ID, r.err)
	}
	o.growGroups(o.nGroups) // vectors gob left short (trailing state of free ids)
	o.touched, o.replaced = o.touched[:0], o.replaced[:0]
	o.resetIndex(o.nGroups)
	for g := 0; g < o.nGroups; g++ {
		o.meta[g] = groupMeta{touchedAt: -1}
		if g < len(rows) {
			o.meta[g].rows = rows[g]
		}
		if o.meta[g].rows == 0 {
			continue
		}
		switch {
		case o.oneKey && o.groupNull[g]:
			o.nullGroup = int32(g)
		case o.intKey:
			o.byInt.put(o.groupInt[g], int32(g))
		default:
			o.byKey[o.groupKey[g]] = int32(g)
		}
	}
	return nil
}

var (
	_ Operator = (*GroupAggregate)(nil)
	_ Stateful = (*GroupAggregate)(nil)
)
