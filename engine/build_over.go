package engine

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/planner"
)

// buildOver builds an OVER aggregation.
func (s *Session) buildOver(job *Job, x *planner.PhysOver, id func(string) string) (*arrow.Schema, wire, error) {
	return s.unary(job, x.Input, func(in *arrow.Schema) (exec.Operator, error) {
		late, err := s.lateHandler(job)
		if err != nil {
			return nil, err
		}
		o := x.Over
		spec := exec.OverSpec{ID: id("over-aggregate"), PartitionKeys: o.Partition, TimeCol: o.Order[0].Col}
		for _, f := range o.Funcs {
			a := exec.OverAggSpec{Agg: f.Agg, Arg: f.Arg, Offset: f.Offset, Default: f.Default,
				Frame: exec.OverFrame{Rows: f.Rows, Preceding: f.Preceding}, Name: f.Name, Type: f.Type}
			switch f.Kind {
			case planner.OverAgg:
				a.Kind = exec.OverAgg
			case planner.OverRowNumber:
				a.Kind = exec.OverRowNumber
			case planner.OverLag:
				a.Kind = exec.OverLag
			case planner.OverLead:
				a.Kind = exec.OverLead
			}
			spec.Aggs = append(spec.Aggs, a)
		}
		op, err := exec.NewOverAggregate(in, spec, s.mem, late)
		if err != nil {
			return nil, err
		}
		job.aggs = append(job.aggs, lateField{&op.LateRecordsDropped})
		return op, nil
	})
}
