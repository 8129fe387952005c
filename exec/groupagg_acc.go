package exec

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Accumulators of the unbounded GROUP BY (GroupAggregate). Unlike the window accumulators
// (accumulate.go) they can take rows back (retraction), and each one keeps, next to its
// state, the result every group last emitted: the -U row of an update must repeat the
// previous row exactly, and a group whose result did not change emits nothing.
//
// A group's state and its last emitted result share one slot (one memory access for
// both). Results are computed for the groups a batch touched only. For n touched keys,
// evaluate fills the first half of a per-batch vector of 2n results with the current
// results (index j: the j-th touched key), diff fills the second half with the last emitted
// ones (index n+j) and compares; appendRows gathers output values from that vector by
// index, and commit records the new results as the last emitted ones.
//
// Every state type is gob-encodable as it is (exported fields; decimals as groupDec), so
// that a snapshot is the slot vectors themselves.

// groupCommit says that result j of the latest evaluate was emitted for group g.
type groupCommit struct{ j, g int32 }

// groupAcc is one aggregate call's state for every group id of a GroupAggregate.
type groupAcc interface {
	grow(n int)
	// reset empties group g (a fresh group, or one being forgotten).
	reset(g int32)
	// update folds row i of arg into group groups[i] (skipped when negative): it adds the
	// row, or takes it back when retract != nil && retract[i]. arg is nil for COUNT(*).
	update(arg arrow.Array, groups []int32, retract []bool)
	// evaluate computes the current results of groups gs (NULL for negative entries).
	evaluate(gs []int32)
	// diff fetches the result group olds[j] last emitted as previous result j (skipping
	// negative olds), and sets changed[j] when it differs from evaluated result j.
	diff(olds []int32, changed []bool)
	// appendRows appends to b, for each output row k, result src[k] (j < n: current result
	// j; n+j: previous result j).
	appendRows(b array.Builder, src []int32)
	// commit records emitted results as the last emitted results of their groups.
	commit(cs []groupCommit)
	// carry copies the last emitted result of group from to group to.
	carry(from, to int32)
	// stateRefs points at every state vector, for snapshots (gob-encoded in this order).
	stateRefs() []any
}

// groupCell is a nullable value.
type groupCell[T comparable] struct {
	V  T
	OK bool
}

// groupSlot is one group's accumulator state S and the result T it last emitted.
type groupSlot[S any, T comparable] struct {
	S    S
	Last groupCell[T]
}

// groupResults holds the slots of an accumulator with state S and results T, and
// implements the result side of groupAcc.
type groupResults[S any, T comparable] struct {
	slots []groupSlot[S, T] // by group id
	// res holds 2n results for n touched keys: res[j] the current result of key j (set by
	// evaluate), res[n+j] its last emitted result (set by diff).
	res       []T
	resValid  []bool
	cur       []T // res[:n]
	curValid  []bool
	outVals   []T
	outValid  []bool
	appendAll func(b array.Builder, vals []T, valid []bool)
}

func (r *groupResults[S, T]) grow(n int)    { r.slots = growTo(r.slots, n) }
func (r *groupResults[S, T]) reset(g int32) { r.slots[g] = groupSlot[S, T]{} }
func (r *groupResults[S, T]) stateRefs() []any {
	return []any{&r.slots}
}

// begin sizes the results for n touched keys, all NULL.
func (r *groupResults[S, T]) begin(n int) {
	r.res = growTo(r.res[:0], 2*n)
	r.resValid = growTo(r.resValid[:0], 2*n)
	clear(r.resValid)
	r.cur, r.curValid = r.res[:n], r.resValid[:n]
}

// sameResult is SQL-value equality of two nullable results where NaN equals NaN (as the
// bytes of a row would compare).
func sameResult[T comparable](a T, av bool, b T, bv bool) bool {
	if av != bv {
		return false
	}
	return !av || a == b || (a != a && b != b)
}

func (r *groupResults[S, T]) diff(olds []int32, changed []bool) {
	n := len(olds)
	slots, cur, curValid := r.slots, r.res[:n], r.resValid[:n]
	prev, prevValid := r.res[n:2*n], r.resValid[n:2*n]
	changed = changed[:n]
	for j, g := range olds {
		if g < 0 {
			continue
		}
		last := slots[g].Last
		prev[j], prevValid[j] = last.V, last.OK
		if !changed[j] && !sameResult(cur[j], curValid[j], last.V, last.OK) {
			changed[j] = true
		}
	}
}

func (r *groupResults[S, T]) appendRows(b array.Builder, src []int32) {
	vals := growTo(r.outVals[:0], len(src))[:len(src)]
	valid := growTo(r.outValid[:0], len(src))[:len(src)]
	res, resValid := r.res, r.resValid
	nulls := 0
	for k, s := range src {
		vals[k] = res[s]
		ok := resValid[s]
		valid[k] = ok
		if !ok {
			nulls++
		}
	}
	r.outVals, r.outValid = vals, valid
	if nulls == 0 {
		valid = nil
	}
	r.appendAll(b, vals, valid)
	clear(vals) // drop references to strings
}

func (r *groupResults[S, T]) commit(cs []groupCommit) {
	slots, cur, curValid := r.slots, r.cur, r.curValid
	for _, c := range cs {
		slots[c.g].Last = groupCell[T]{cur[c.j], curValid[c.j]}
	}
	clear(r.res) // drop references to strings
}

func (r *groupResults[S, T]) carry(from, to int32) {
	r.slots[to].Last = r.slots[from].Last
}

// groupDec is a DECIMAL128 value as state: comparable, usable as a map key, and
// gob-encodable (decimal128.Num has no exported fields).
type groupDec struct {
	Lo uint64
	Hi int64
}

func groupDecOf(n decimal128.Num) groupDec { return groupDec{n.LowBits(), n.HighBits()} }
func (d groupDec) num() decimal128.Num     { return decimal128.New(d.Hi, d.Lo) }

// Appending result vectors to builders. The builder is of the aggregate's declared result
// type, checked when the operator is built (newGroupAcc).

func groupAppendInt64s(b array.Builder, vals []int64, valid []bool) {
	if ib, ok := b.(*array.Int64Builder); ok {
		ib.AppendValues(vals, valid)
		return
	}
	for i, v := range vals {
		if valid == nil || valid[i] {
			appendInt64(b, v)
		} else {
			b.AppendNull()
		}
	}
}

func groupAppendFloat64s(b array.Builder, vals []float64, valid []bool) {
	if fb, ok := b.(*array.Float64Builder); ok {
		fb.AppendValues(vals, valid)
		return
	}
	for i, v := range vals {
		if valid == nil || valid[i] {
			appendFloat64(b, v)
		} else {
			b.AppendNull()
		}
	}
}

func groupAppendDecimals(b array.Builder, vals []groupDec, valid []bool) {
	db := b.(*array.Decimal128Builder)
	for i, v := range vals {
		if valid == nil || valid[i] {
			db.Append(v.num())
		} else {
			db.AppendNull()
		}
	}
}

func groupAppendStrings(b array.Builder, vals []string, valid []bool) {
	b.(*array.StringBuilder).AppendValues(vals, valid)
}

// Reading argument columns as vectors of the accumulator's value type.

func groupStringValues(arr arrow.Array, scratch []string) []string {
	s := arr.(*array.String)
	n := s.Len()
	scratch = growTo(scratch[:0], n)
	for i := 0; i < n; i++ {
		scratch[i] = s.Value(i) // points into the batch: copy before keeping
	}
	return scratch
}

func groupDecimalValues(arr arrow.Array, scratch []groupDec) []groupDec {
	nums := arr.(*array.Decimal128).Values()
	scratch = growTo(scratch[:0], len(nums))
	for i, n := range nums {
		scratch[i] = groupDecOf(n)
	}
	return scratch
}

// groupCount is COUNT(*) and COUNT(x).
type groupCount struct {
	groupResults[int64, int64]
	star bool
}

func (a *groupCount) update(arg arrow.Array, groups []int32, retract []bool) {
	slots := a.slots
	all := a.star || arg.NullN() == 0
	for i, g := range groups {
		if g < 0 || (!all && arg.IsNull(i)) {
			continue
		}
		if retract != nil && retract[i] {
			slots[g].S--
		} else {
			slots[g].S++
		}
	}
}

func (a *groupCount) evaluate(gs []int32) {
	a.begin(len(gs))
	slots, cur, curValid := a.slots, a.cur[:len(gs)], a.curValid[:len(gs)]
	for j, g := range gs {
		if g >= 0 {
			cur[j], curValid[j] = slots[g].S, true
		}
	}
}

// groupSumState is the state of a SUM or AVG for one group.
type groupSumState[T int64 | float64 | groupDec] struct {
	Sum T
	N   int64 // non-NULL values
}

// groupSum is SUM and AVG over integers (as int64) and floats (as float64). A retraction
// subtracts. AVG of an integer type truncates toward zero, as in Flink. With no values the
// result is NULL.
type groupSum[T int64 | float64] struct {
	groupResults[groupSumState[T], T]
	avg     bool
	values  func(arr arrow.Array, scratch []T) []T
	scratch []T
}

func (a *groupSum[T]) update(arg arrow.Array, groups []int32, retract []bool) {
	vals := a.values(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	slots := a.slots
	if retract == nil {
		for i, g := range groups {
			if g >= 0 && (noNulls || arg.IsValid(i)) {
				st := &slots[g].S
				st.Sum += vals[i]
				st.N++
			}
		}
		return
	}
	for i, g := range groups {
		if g < 0 || !(noNulls || arg.IsValid(i)) {
			continue
		}
		st := &slots[g].S
		if retract[i] {
			st.Sum -= vals[i]
			st.N--
		} else {
			st.Sum += vals[i]
			st.N++
		}
	}
}

func (a *groupSum[T]) evaluate(gs []int32) {
	a.begin(len(gs))
	slots, cur, curValid := a.slots, a.cur[:len(gs)], a.curValid[:len(gs)]
	for j, g := range gs {
		if g < 0 {
			continue
		}
		st := slots[g].S
		if st.N <= 0 {
			continue
		}
		v := st.Sum
		if a.avg {
			v /= T(st.N)
		}
		cur[j], curValid[j] = v, true
	}
}

// groupSumDecimal is SUM and AVG over DECIMAL128. AVG rounds half away from zero to the
// result scale.
type groupSumDecimal struct {
	groupResults[groupSumState[groupDec], groupDec]
	avg               bool
	inScale, outScale int32
}

func (a *groupSumDecimal) update(arg arrow.Array, groups []int32, retract []bool) {
	d := arg.(*array.Decimal128)
	vals := d.Values()
	for i, g := range groups {
		if g < 0 || d.IsNull(i) {
			continue
		}
		st := &a.slots[g].S
		if retract != nil && retract[i] {
			st.Sum = groupDecOf(st.Sum.num().Sub(vals[i]))
			st.N--
		} else {
			st.Sum = groupDecOf(st.Sum.num().Add(vals[i]))
			st.N++
		}
	}
}

func (a *groupSumDecimal) evaluate(gs []int32) {
	a.begin(len(gs))
	for j, g := range gs {
		if g < 0 {
			continue
		}
		st := a.slots[g].S
		if st.N <= 0 {
			continue
		}
		v := st.Sum
		if a.avg {
			v = groupDecOf(decimalAvg(v.num(), st.N, a.inScale, a.outScale))
		}
		a.cur[j], a.curValid[j] = v, true
	}
}

// groupValues describes a value type of MIN/MAX: how to read it from a column, order it,
// keep it beyond the batch, and use it as a map key (K) in multisets.
type groupValues[T comparable, K comparable] struct {
	values func(arr arrow.Array, scratch []T) []T
	// better reports whether v replaces cur as the extremum. NaN loses to every number.
	better func(v, cur T) bool
	// keep copies a value that points into a batch (strings); nil when values are plain.
	keep      func(T) T
	toKey     func(T) K
	fromKey   func(K) T
	appendAll func(b array.Builder, vals []T, valid []bool)
}

func groupOrderedBetter[T int64 | float64 | string](isMax bool) func(v, cur T) bool {
	if isMax {
		return func(v, cur T) bool { return v > cur || cur != cur }
	}
	return func(v, cur T) bool { return v < cur || cur != cur }
}

func groupIdentity[T any](v T) T { return v }

func groupIntValues(isMax bool) *groupValues[int64, int64] {
	return &groupValues[int64, int64]{values: int64s, better: groupOrderedBetter[int64](isMax),
		toKey: groupIdentity[int64], fromKey: groupIdentity[int64], appendAll: groupAppendInt64s}
}

func groupFloatValues(isMax bool) *groupValues[float64, uint64] {
	return &groupValues[float64, uint64]{values: float64s, better: groupOrderedBetter[float64](isMax),
		toKey: func(v float64) uint64 {
			switch {
			case v != v:
				return math.Float64bits(math.NaN()) // one key for every NaN
			case v == 0:
				return 0 // -0 and 0 are one value
			}
			return math.Float64bits(v)
		},
		fromKey: math.Float64frombits, appendAll: groupAppendFloat64s}
}

func groupStringValuesOf(isMax bool) *groupValues[string, string] {
	return &groupValues[string, string]{values: groupStringValues, better: groupOrderedBetter[string](isMax),
		keep: strings.Clone, toKey: groupIdentity[string], fromKey: groupIdentity[string], appendAll: groupAppendStrings}
}

func groupDecimalValuesOf(isMax bool) *groupValues[groupDec, groupDec] {
	better := func(v, cur groupDec) bool { return v.num().Less(cur.num()) }
	if isMax {
		better = func(v, cur groupDec) bool { return v.num().Greater(cur.num()) }
	}
	return &groupValues[groupDec, groupDec]{values: groupDecimalValues, better: better,
		toKey: groupIdentity[groupDec], fromKey: groupIdentity[groupDec], appendAll: groupAppendDecimals}
}

// groupMinMax is MIN or MAX of an append-only input: the extremum so far per group. It
// cannot take a row back.
type groupMinMax[T comparable, K comparable] struct {
	groupResults[groupCell[T], T] // state: the extremum so far
	vt                            *groupValues[T, K]
	scratch                       []T
}

func (a *groupMinMax[T, K]) update(arg arrow.Array, groups []int32, _ []bool) {
	vals := a.vt.values(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	better, keep := a.vt.better, a.vt.keep
	slots := a.slots
	for i, g := range groups {
		if g < 0 || !(noNulls || arg.IsValid(i)) {
			continue
		}
		if v, e := vals[i], &slots[g].S; !e.OK || better(v, e.V) {
			if keep != nil {
				v = keep(v)
			}
			*e = groupCell[T]{v, true}
		}
	}
}

func (a *groupMinMax[T, K]) evaluate(gs []int32) {
	a.begin(len(gs))
	slots, cur, curValid := a.slots, a.cur[:len(gs)], a.curValid[:len(gs)]
	for j, g := range gs {
		if g >= 0 {
			e := slots[g].S
			cur[j], curValid[j] = e.V, e.OK
		}
	}
}

// groupMultiset is the state of a MIN/MAX of an updating input for one group: a multiset
// of values (value -> multiplicity) and its cached extremum. The first few distinct values
// are kept inline (Few[:N]: no map, and no memory access beyond the slot, for the common
// small groups); more go to the group's map. A value is in one of the two, never both.
type groupMultiset[T, K comparable] struct {
	Ext   T
	Has   bool
	Stale bool // Ext must be recomputed: its last copy was taken back
	N     uint8
	Few   [groupFew]groupCount1[K]
}

// groupFew is the number of distinct values a multiset keeps inline.
const groupFew = 2

// groupCount1 is a value and its multiplicity.
type groupCount1[K comparable] struct {
	V K
	C int64
}

// groupMinMaxRetract is MIN or MAX of an updating input: per group a multiset of the
// values and the extremum, recomputed from the multiset when the extremum's last copy is
// taken back (as Flink's MinWithRetract/MaxWithRetract do).
type groupMinMaxRetract[T comparable, K comparable] struct {
	groupResults[groupMultiset[T, K], T]
	vt      *groupValues[T, K]
	more    []map[K]int64 // per group: the values beyond the inline ones
	scratch []T
}

func (a *groupMinMaxRetract[T, K]) grow(n int) {
	a.more = growTo(a.more, n)
	a.groupResults.grow(n)
}

func (a *groupMinMaxRetract[T, K]) reset(g int32) {
	if a.more[g] != nil {
		a.more[g] = groupReuse(a.more[g])
	}
	a.groupResults.reset(g)
}

func (a *groupMinMaxRetract[T, K]) stateRefs() []any {
	return append([]any{&a.more}, a.groupResults.stateRefs()...)
}

func (a *groupMinMaxRetract[T, K]) update(arg arrow.Array, groups []int32, retract []bool) {
	vals := a.vt.values(arg, a.scratch)
	a.scratch = vals[:0]
	noNulls := arg.NullN() == 0
	vt := a.vt
	for i, g := range groups {
		if g < 0 || !(noNulls || arg.IsValid(i)) {
			continue
		}
		k := vt.toKey(vals[i])
		ms := &a.slots[g].S
		if retract != nil && retract[i] {
			if a.remove(g, ms, k) && ms.Has && vt.toKey(ms.Ext) == k {
				ms.Stale = true
			}
			continue
		}
		if k, added := a.add(g, ms, k); added && !ms.Stale {
			if v := vt.fromKey(k); !ms.Has || vt.better(v, ms.Ext) {
				ms.Ext, ms.Has = v, true
			}
		}
	}
}

// add counts one more copy of k in group g. For a value new to the group it returns the
// key as kept (a copy for strings) and true.
func (a *groupMinMaxRetract[T, K]) add(g int32, ms *groupMultiset[T, K], k K) (K, bool) {
	for j := range ms.Few[:ms.N] {
		if ms.Few[j].V == k {
			ms.Few[j].C++
			return k, false
		}
	}
	m := a.more[g]
	if c, ok := m[k]; ok {
		m[k] = c + 1
		return k, false
	}
	if a.vt.keep != nil {
		k = a.vt.toKey(a.vt.keep(a.vt.fromKey(k)))
	}
	if ms.N < groupFew {
		ms.Few[ms.N] = groupCount1[K]{k, 1}
		ms.N++
		return k, true
	}
	if m == nil {
		m = map[K]int64{}
		a.more[g] = m
	}
	m[k] = 1
	return k, true
}

// remove takes one copy of k out of group g; it reports whether that was the last copy.
// A value the group does not hold is ignored: there is nothing to take back.
func (a *groupMinMaxRetract[T, K]) remove(g int32, ms *groupMultiset[T, K], k K) bool {
	for j := range ms.Few[:ms.N] {
		if ms.Few[j].V != k {
			continue
		}
		if ms.Few[j].C--; ms.Few[j].C > 0 {
			return false
		}
		last := ms.N - 1
		ms.Few[j], ms.Few[last] = ms.Few[last], groupCount1[K]{}
		ms.N = last
		return true
	}
	m := a.more[g]
	c, ok := m[k]
	switch {
	case !ok:
		return false
	case c > 1:
		m[k] = c - 1
		return false
	}
	delete(m, k)
	return true
}

func (a *groupMinMaxRetract[T, K]) evaluate(gs []int32) {
	a.begin(len(gs))
	for j, g := range gs {
		if g < 0 {
			continue
		}
		ms := &a.slots[g].S
		if ms.Stale {
			a.recompute(g, ms)
		}
		a.cur[j], a.curValid[j] = ms.Ext, ms.Has
	}
}

func (a *groupMinMaxRetract[T, K]) recompute(g int32, ms *groupMultiset[T, K]) {
	var ext T
	has := false
	consider := func(k K) {
		if v := a.vt.fromKey(k); !has || a.vt.better(v, ext) {
			ext, has = v, true
		}
	}
	for _, c := range ms.Few[:ms.N] {
		consider(c.V)
	}
	for k := range a.more[g] {
		consider(k)
	}
	ms.Ext, ms.Has, ms.Stale = ext, has, false
}

// groupDistinct makes an aggregate DISTINCT: per group a multiset of the argument's values
// (encoded as by appendValue), through which only the first copy of a value reaches the
// accumulator, and only the retraction of its last copy takes it back.
type groupDistinct struct {
	sets []map[string]int64
	key  []byte
}

func (d *groupDistinct) grow(n int)    { d.sets = growTo(d.sets, n) }
func (d *groupDistinct) reset(g int32) { d.sets[g] = groupReuse(d.sets[g]) }

// groupReuse empties a small multiset for the next group to get its id (keys come and go
// often in updating inputs: no allocation then); a large one goes to the garbage collector.
func groupReuse[K comparable](m map[K]int64) map[K]int64 {
	if len(m) > 8 {
		return nil
	}
	clear(m)
	return m
}

// filter sets groups[i] to -1 for the rows that do not change the group's set of distinct
// values. NULLs pass (the accumulators skip them).
func (d *groupDistinct) filter(arg arrow.Array, groups []int32, retract []bool) {
	for i, g := range groups {
		if g < 0 || arg.IsNull(i) {
			continue
		}
		d.key = appendValue(d.key[:0], arg, i)
		set := d.sets[g]
		if retract != nil && retract[i] {
			c, ok := set[string(d.key)]
			switch {
			case !ok: // not held: nothing to take back
				groups[i] = -1
			case c > 1:
				set[string(d.key)] = c - 1
				groups[i] = -1
			default:
				delete(set, string(d.key))
			}
			continue
		}
		if set == nil {
			set = map[string]int64{}
			d.sets[g] = set
		}
		c := set[string(d.key)]
		set[string(d.key)] = c + 1
		if c > 0 {
			groups[i] = -1
		}
	}
}

// groupAggSet is the list of aggregate calls of a GroupAggregate: it applies FILTER and
// DISTINCT before the accumulators see a row.
type groupAggSet struct {
	specs    []AggSpec
	accs     []groupAcc
	distinct []*groupDistinct // nil for aggregates that are not DISTINCT
	// appendOnly is true when some accumulator cannot take a row back (MIN/MAX of an input
	// declared append-only).
	appendOnly bool
	eff        []int32
}

func newGroupAggSet(specs []AggSpec, input *arrow.Schema, updating bool) (*groupAggSet, error) {
	s := &groupAggSet{specs: specs}
	for i, sp := range specs {
		acc, err := newGroupAcc(sp, input, updating)
		if err != nil {
			return nil, fmt.Errorf("aggregate %d (%s): %w", i, sp.Name, err)
		}
		s.accs = append(s.accs, acc)
		var d *groupDistinct
		if sp.Distinct && sp.Kind != AggMin && sp.Kind != AggMax { // MIN/MAX(DISTINCT x) is MIN/MAX(x)
			d = &groupDistinct{}
		}
		s.distinct = append(s.distinct, d)
		if !updating && (sp.Kind == AggMin || sp.Kind == AggMax) {
			s.appendOnly = true
		}
	}
	return s, nil
}

// newGroupAcc validates one aggregate call and builds its accumulator.
func newGroupAcc(sp AggSpec, input *arrow.Schema, updating bool) (groupAcc, error) {
	n := input.NumFields()
	if sp.Filter >= n || (sp.Filter >= 0 && input.Field(sp.Filter).Type.ID() != arrow.BOOL) {
		return nil, fmt.Errorf("FILTER column %d is not a BOOLEAN column of the input", sp.Filter)
	}
	if sp.Type == nil {
		return nil, fmt.Errorf("no result type")
	}
	if sp.Kind == AggCountStar {
		if sp.Distinct {
			return nil, fmt.Errorf("COUNT(DISTINCT *) is not an aggregate")
		}
		if !isInteger(sp.Type) {
			return nil, fmt.Errorf("COUNT cannot return %s", sp.Type)
		}
		return &groupCount{star: true, groupResults: groupResults[int64, int64]{appendAll: groupAppendInt64s}}, nil
	}
	if sp.Arg < 0 || sp.Arg >= n {
		return nil, fmt.Errorf("%s has no argument column (Arg %d)", sp.Kind, sp.Arg)
	}
	arg := input.Field(sp.Arg).Type
	bad := fmt.Errorf("%s of %s cannot return %s", sp.Kind, arg, sp.Type)
	switch sp.Kind {
	case AggCount:
		if !isInteger(sp.Type) {
			return nil, bad
		}
		return &groupCount{groupResults: groupResults[int64, int64]{appendAll: groupAppendInt64s}}, nil
	case AggSum, AggAvg:
		avg := sp.Kind == AggAvg
		switch {
		case isInteger(arg) && isInteger(sp.Type):
			return &groupSum[int64]{avg: avg, values: int64s, groupResults: groupResults[groupSumState[int64], int64]{appendAll: groupAppendInt64s}}, nil
		case isFloat(arg) && isFloat(sp.Type):
			return &groupSum[float64]{avg: avg, values: float64s, groupResults: groupResults[groupSumState[float64], float64]{appendAll: groupAppendFloat64s}}, nil
		case arg.ID() == arrow.DECIMAL128 && sp.Type.ID() == arrow.DECIMAL128:
			in, out := arg.(*arrow.Decimal128Type).Scale, sp.Type.(*arrow.Decimal128Type).Scale
			if avg && out < in || !avg && out != in {
				return nil, bad
			}
			return &groupSumDecimal{avg: avg, inScale: in, outScale: out,
				groupResults: groupResults[groupSumState[groupDec], groupDec]{appendAll: groupAppendDecimals}}, nil
		}
	case AggMin, AggMax:
		isMax := sp.Kind == AggMax
		if !arrow.TypeEqual(arg, sp.Type) {
			return nil, bad
		}
		switch {
		case isIntLike(arg) || arg.ID() == arrow.BOOL:
			return newGroupMinMax(groupIntValues(isMax), updating), nil
		case isFloat(arg):
			return newGroupMinMax(groupFloatValues(isMax), updating), nil
		case arg.ID() == arrow.STRING:
			return newGroupMinMax(groupStringValuesOf(isMax), updating), nil
		case arg.ID() == arrow.DECIMAL128:
			return newGroupMinMax(groupDecimalValuesOf(isMax), updating), nil
		}
	}
	return nil, bad
}

func newGroupMinMax[T comparable, K comparable](vt *groupValues[T, K], updating bool) groupAcc {
	if updating {
		return &groupMinMaxRetract[T, K]{vt: vt, groupResults: groupResults[groupMultiset[T, K], T]{appendAll: vt.appendAll}}
	}
	return &groupMinMax[T, K]{vt: vt, groupResults: groupResults[groupCell[T], T]{appendAll: vt.appendAll}}
}

func (s *groupAggSet) grow(n int) {
	for i, a := range s.accs {
		a.grow(n)
		if d := s.distinct[i]; d != nil {
			d.grow(n)
		}
	}
}

func (s *groupAggSet) reset(g int32) {
	for i, a := range s.accs {
		a.reset(g)
		if d := s.distinct[i]; d != nil {
			d.reset(g)
		}
	}
}

// update folds the rows of b into groups (negative: skip the row); retract marks the rows
// taken back (nil: none).
func (s *groupAggSet) update(b arrow.RecordBatch, groups []int32, retract []bool) {
	for i, a := range s.accs {
		sp := s.specs[i]
		var arg arrow.Array
		if sp.Arg >= 0 && sp.Kind != AggCountStar {
			arg = b.Column(sp.Arg)
		}
		g := groups
		if sp.Filter >= 0 || s.distinct[i] != nil {
			s.eff = append(s.eff[:0], groups...)
			g = s.eff
			if sp.Filter >= 0 {
				skipFiltered(g, b.Column(sp.Filter).(*array.Boolean))
			}
			if d := s.distinct[i]; d != nil {
				d.filter(arg, g, retract)
			}
		}
		a.update(arg, g, retract)
	}
}

func (s *groupAggSet) evaluate(gs []int32) {
	for _, a := range s.accs {
		a.evaluate(gs)
	}
}

func (s *groupAggSet) diff(olds []int32, changed []bool) {
	for _, a := range s.accs {
		a.diff(olds, changed)
	}
}

func (s *groupAggSet) appendRows(bs []array.Builder, src []int32) {
	for i, a := range s.accs {
		a.appendRows(bs[i], src)
	}
}

func (s *groupAggSet) commit(cs []groupCommit) {
	for _, a := range s.accs {
		a.commit(cs)
	}
}

func (s *groupAggSet) carry(from, to int32) {
	for _, a := range s.accs {
		a.carry(from, to)
	}
}

func (s *groupAggSet) snapshot(w *stateWriter) {
	for i, a := range s.accs {
		for _, ref := range a.stateRefs() {
			w.put(ref)
		}
		if d := s.distinct[i]; d != nil {
			w.put(d.sets)
		}
	}
}

func (s *groupAggSet) restore(r *stateReader) {
	for i, a := range s.accs {
		for _, ref := range a.stateRefs() {
			r.get(ref)
		}
		if d := s.distinct[i]; d != nil {
			d.sets = nil
			r.get(&d.sets)
		}
	}
}
