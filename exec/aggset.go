package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggSet holds the state of a list of aggregate calls for every group id, and applies
// FILTER (WHERE ...) and DISTINCT before the accumulators see a row.
type aggSet struct {
	specs    []AggSpec
	accs     []accumulator
	distinct [][]map[string]struct{} // per aggregate, per group; nil for non-distinct aggregates
	argTypes []arrow.DataType
	eff      []int32
	key      []byte
}

func newAggSet(specs []AggSpec, input *arrow.Schema) (*aggSet, error) {
	s := &aggSet{specs: specs}
	for _, sp := range specs {
		var argType arrow.DataType = arrow.PrimitiveTypes.Int64
		if sp.Arg >= 0 {
			argType = input.Field(sp.Arg).Type
		}
		s.argTypes = append(s.argTypes, argType)
		acc, err := newAccumulator(sp, argType)
		if err != nil {
			return nil, err
		}
		s.accs = append(s.accs, acc)
		var d []map[string]struct{}
		if sp.Distinct {
			d = []map[string]struct{}{}
		}
		s.distinct = append(s.distinct, d)
	}
	return s, nil
}

func (s *aggSet) grow(n int) {
	for i, a := range s.accs {
		a.grow(n)
		if s.specs[i].Distinct {
			s.distinct[i] = growTo(s.distinct[i], n)
		}
	}
}

func (s *aggSet) reset(g int32) {
	for i, a := range s.accs {
		a.reset(g)
		if s.specs[i].Distinct {
			s.distinct[i][g] = nil
		}
	}
}

// update adds the rows of b to the groups named by groups (negative: skip the row).
func (s *aggSet) update(b arrow.RecordBatch, groups []int32) {
	for i, a := range s.accs {
		sp := s.specs[i]
		var arg arrow.Array
		if sp.Arg >= 0 {
			arg = b.Column(sp.Arg)
		}
		g := groups
		if sp.Filter >= 0 || sp.Distinct {
			s.eff = append(s.eff[:0], groups...)
			g = s.eff
			if sp.Filter >= 0 {
				skipFiltered(g, b.Column(sp.Filter).(*array.Boolean))
			}
			if sp.Distinct {
				sets := s.distinct[i]
				for r := range g {
					if g[r] < 0 || arg.IsNull(r) {
						continue
					}
					s.key = appendValue(s.key[:0], arg, r)
					set := sets[g[r]]
					if set == nil {
						set = map[string]struct{}{}
						sets[g[r]] = set
					}
					if _, seen := set[string(s.key)]; seen {
						g[r] = -1
						continue
					}
					set[string(s.key)] = struct{}{}
				}
			}
		}
		a.update(arg, g)
	}
}

// skipFiltered sets the group of every row that FILTER (the BOOLEAN column f) does not
// pass, NULL included, to -1 (skip the row).
func skipFiltered(groups []int32, f *array.Boolean) {
	for r := range groups {
		if groups[r] >= 0 && (f.IsNull(r) || !f.Value(r)) {
			groups[r] = -1
		}
	}
}

// merge folds group src into group dst (session windows). DISTINCT aggregates re-merge
// through their sets, so a value seen in both groups counts once.
func (s *aggSet) merge(dst, src int32) {
	for i, a := range s.accs {
		if !s.specs[i].Distinct {
			a.merge(dst, src)
			continue
		}
		// Distinct: only the values new to dst contribute; recompute from the sets is not
		// possible for SUM/AVG without the values, so distinct accumulators keep values in
		// the set and the merge replays them.
		s.mergeDistinct(i, dst, src)
	}
}

// emitAll appends the results of groups gs, in order, one builder per aggregate.
func (s *aggSet) emitAll(bs []array.Builder, gs []int32) {
	for i, a := range s.accs {
		if be, ok := a.(bulkEmitter); ok && be.emitAll(bs[i], gs) {
			continue
		}
		for _, g := range gs {
			a.emit(bs[i], g)
		}
	}
}

// mergeDistinct replays into dst the distinct values of src that dst has not seen.
func (s *aggSet) mergeDistinct(i int, dst, src int32) {
	sets := s.distinct[i]
	if sets[src] == nil {
		return
	}
	if sets[dst] == nil {
		sets[dst] = map[string]struct{}{}
	}
	b := array.NewBuilder(memory.DefaultAllocator, s.argTypes[i])
	defer b.Release()
	for k := range sets[src] {
		if _, seen := sets[dst][k]; seen {
			continue
		}
		sets[dst][k] = struct{}{}
		decodeValue([]byte(k), s.argTypes[i], b)
	}
	arr := b.NewArray()
	defer arr.Release()
	groups := make([]int32, arr.Len())
	for r := range groups {
		groups[r] = dst
	}
	s.accs[i].update(arr, groups)
	sets[src] = nil
}
