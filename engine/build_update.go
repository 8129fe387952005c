package engine

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/planner"
)

// buildMore builds the operators of updating results, joins, Top-N and OVER windows.
func (s *Session) buildMore(job *Job, n planner.PhysNode) (*arrow.Schema, wire, error) {
	id := func(kind string) string { return fmt.Sprintf("%s-%d", kind, len(job.ops)+1) }
	switch x := n.(type) {
	case *planner.PhysGroupAggregate:
		return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
			return exec.NewGroupAggregate(in, exec.GroupAggSpec{ID: id("group-aggregate"), Keys: x.Keys, Aggs: x.Aggs, InputUpdating: x.InputUpdating}, s.mem)
		})
	case *planner.PhysJoin:
		return s.buildJoin(job, x, id)
	case *planner.PhysRank:
		return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
			late, err := s.lateHandler(job)
			if err != nil {
				return nil, err
			}
			r := x.Rank
			switch x.Mode {
			case planner.DedupFirst, planner.DedupLast:
				op, err := exec.NewDeduplicate(in, exec.DedupSpec{ID: id("deduplicate"), Keys: r.Partition, TimeCol: x.TimeCol,
					KeepLast: x.Mode == planner.DedupLast, WithRowNumber: true, RowNumberName: r.RowNumberName}, s.mem, late)
				if err != nil {
					return nil, err
				}
				job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
				return op, nil
			}
			var order []exec.SortKey
			for _, k := range r.Order {
				order = append(order, exec.SortKey{Col: k.Col, Desc: k.Desc})
			}
			op, err := exec.NewRank(in, exec.RankSpec{ID: id("rank"), PartitionKeys: r.Partition, OrderKeys: order, Low: r.Low, High: r.High,
				WithRowNumber: true, RowNumberName: r.RowNumberName, WindowEnd: x.WindowEnd, InputUpdating: x.Input.Props().Mode == planner.Updating}, s.mem, late)
			if err != nil {
				return nil, err
			}
			job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
			return op, nil
		})
	case *planner.PhysOver:
		return s.buildOver(job, x, id)
	}
	return nil, nil, fmt.Errorf("internal error: cannot execute %T", n)
}

func joinType(t planner.JoinType) exec.JoinType {
	return map[planner.JoinType]exec.JoinType{planner.InnerJoin: exec.InnerJoin, planner.LeftJoin: exec.LeftJoin, planner.RightJoin: exec.RightJoin, planner.FullJoin: exec.FullJoin}[t]
}

func (s *Session) buildJoin(job *Job, x *planner.PhysJoin, id func(string) string) (*arrow.Schema, wire, error) {
	j := x.Join
	switch j.Kind {
	case planner.LookupJoin:
		return s.buildLookupJoin(job, x, id)
	case planner.IntervalJoin:
		return s.binary(job, x.Left, x.Right, func(l, r *arrow.Schema) (exec.BinaryOperator, error) {
			late, err := s.lateHandler(job)
			if err != nil {
				return nil, err
			}
			op, err := exec.NewIntervalJoin(l, r, exec.IntervalJoinSpec{ID: id("interval-join"), Type: joinType(j.Type), LeftKeys: x.LeftKeys, RightKeys: x.RightKeys,
				LeftTime: j.LeftTime, RightTime: j.RightTime, Lower: j.Lower, Upper: j.Upper, Residual: x.Residual}, s.mem, late)
			if err != nil {
				return nil, err
			}
			job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
			return op, nil
		})
	case planner.WindowJoin:
		return s.binary(job, x.Left, x.Right, func(l, r *arrow.Schema) (exec.BinaryOperator, error) {
			late, err := s.lateHandler(job)
			if err != nil {
				return nil, err
			}
			op, err := exec.NewWindowJoin(l, r, exec.WindowJoinSpec{ID: id("window-join"), Type: joinType(j.Type), LeftKeys: x.LeftKeys, RightKeys: x.RightKeys,
				LeftStart: j.LeftStart, LeftEnd: j.LeftEnd, RightStart: j.RightStart, RightEnd: j.RightEnd, Residual: x.Residual}, s.mem, late)
			if err != nil {
				return nil, err
			}
			job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
			return op, nil
		})
	}
	return s.binary(job, x.Left, x.Right, func(l, r *arrow.Schema) (exec.BinaryOperator, error) {
		return exec.NewJoin(l, r, exec.JoinSpec{ID: id("join"), Type: joinType(j.Type), LeftKeys: x.LeftKeys, RightKeys: x.RightKeys,
			Residual: x.Residual, StateTTL: x.StateTTL.Milliseconds()}, s.mem)
	})
}

// buildLookupJoin enriches the stream (left) from the reference table (right), which is read
// whole by a job of its own and read again when its file changes.
func (s *Session) buildLookupJoin(job *Job, x *planner.PhysJoin, id func(string) string) (*arrow.Schema, wire, error) {
	scan := x.Right.(*planner.PhysScan)
	t := scan.Table
	interval := time.Duration(0)
	if v := t.Options["lookup.reload-interval"]; v != "" {
		d, err := planner.ParseFlinkDuration(v)
		if err != nil {
			return nil, nil, fmt.Errorf("table '%s': 'lookup.reload-interval': %v", t.Name, err)
		}
		interval = d
	} else if t.Options["lookup.cache.ttl"] != "" {
		d, err := planner.ParseFlinkDuration(t.Options["lookup.cache.ttl"])
		if err != nil {
			return nil, nil, fmt.Errorf("table '%s': 'lookup.cache.ttl': %v", t.Name, err)
		}
		interval = d
	}
	ref := &referenceTable{s: s, scan: scan, path: s.resolvePaths(t.Options)["path"]}
	tableSchema := scan.Props().Schema.Arrow()
	stats := job.Stats
	return s.unary(job, x.Left, func(in *arrow.Schema) (exec.Operator, error) {
		return exec.NewLookupJoin(in, tableSchema, exec.LookupJoinSpec{
			ID: id("lookup-join"), Left: x.Join.Type == planner.LeftJoin, StreamKeys: x.LeftKeys, TableKeys: x.RightKeys,
			Residual: x.Residual, Load: ref.load, ReloadInterval: interval,
			OnError: func(err error) {
				stats.LookupErrors.Add(1)
				s.warnf("eddy: lookup table '%s': %v; keeping the last good version\n", t.Name, err)
			},
		}, s.mem)
	})
}

// referenceTable reads a lookup join's table by running its scan to the end.
type referenceTable struct {
	s       *Session
	scan    *planner.PhysScan
	path    string
	size    int64
	modTime time.Time
	loaded  bool
}

// load implements exec.ReferenceLoader: unchanged files (same size and modification time)
// are not read again.
func (r *referenceTable) load() ([]arrow.RecordBatch, bool, error) {
	if r.path != "" {
		st, err := os.Stat(r.path)
		if err != nil {
			return nil, false, err
		}
		if r.loaded && st.Size() == r.size && st.ModTime().Equal(r.modTime) {
			return nil, false, nil
		}
		r.size, r.modTime = st.Size(), st.ModTime()
	}
	sub := &Job{Stats: &Stats{}}
	var batches []arrow.RecordBatch
	connect, err := r.s.buildNode(sub, r.scan)
	if err != nil {
		return nil, false, err
	}
	connect(exec.EmitFunc(func(m exec.Message) error {
		if m.Kind == exec.KindBatch {
			m.Batch.Retain()
			batches = append(batches, m.Batch)
		}
		if m.Kind == exec.KindEnd {
			sub.ended = true
		}
		return nil
	}))
	if err := sub.Run(context.Background()); err != nil {
		for _, b := range batches {
			b.Release()
		}
		r.loaded = false
		return nil, false, err
	}
	if n := sub.Stats.BadRecords.Load(); n > 0 {
		r.s.warnf("eddy: lookup table '%s': %d bad record(s) skipped\n", r.scan.Table.Name, n)
	}
	r.loaded = true
	return batches, true, nil
}
