package planner

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

// Field is one column of a plan node's output.
type Field struct {
	Name      string
	Type      arrow.DataType
	Qualifier string // table name or alias, for t.col
	RowTime   bool   // an event-time attribute (carries watermarks)
	ProcTime  bool   // a processing-time attribute (PROCTIME())
}

// Schema is a plan node's output columns.
type Schema []Field

// Names lists the column names.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[i] = f.Name
	}
	return out
}

// Arrow is the Arrow schema of the node's batches.
func (s Schema) Arrow() *arrow.Schema {
	fs := make([]arrow.Field, len(s))
	for i, f := range s {
		fs[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// RowTimeIndex is the first time attribute column, -1 when none.
func (s Schema) RowTimeIndex() int {
	for i, f := range s {
		if f.RowTime {
			return i
		}
	}
	return -1
}

func (s Schema) sameAs(o Schema) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if !strings.EqualFold(s[i].Name, o[i].Name) || !arrow.TypeEqual(s[i].Type, o[i].Type) {
			return false
		}
	}
	return true
}

// Node is a logical plan node. Nodes are immutable values: rules build new nodes.
type Node interface {
	Schema() Schema
	Inputs() []Node
}

// Scan reads a table. The table's full row holds every column (physical and computed);
// Filter (pushed down) is over that full row; Cols lists the full-row columns the scan outputs.
// The watermark is always computed over the full, unfiltered row.
type Scan struct {
	Table  *Table
	Alias  string
	Cols   []int
	Filter expr.Expr
}

// Filter keeps rows where Pred is TRUE.
type Filter struct {
	Input Node
	Pred  expr.Expr
}

// Project computes Exprs over its input.
type Project struct {
	Input Node
	Exprs []expr.Expr
	Names []string
	// Qualifiers of the output columns (kept for t.col after a view or subquery).
	Qualifier string
}

// WindowTVF appends window_start, window_end, window_time to each row, once per window
// that contains the row (TUMBLE, HOP, CUMULATE) or per session (SESSION, aggregated only).
type WindowTVF struct {
	Input         Node
	Window        exec.WindowSpec // TimeCol is an input column
	PartitionKeys []int           // SESSION ... PARTITION BY
	Alias         string
}

// WindowAggregate groups by window and Keys (input columns) and computes Aggs. Its output:
// Keys, window_start, window_end, window_time, aggregates (exec.WindowOutputSchema).
type WindowAggregate struct {
	Input  Node
	Window exec.WindowSpec
	Keys   []int
	Aggs   []exec.AggSpec
	// KeyNames name the key columns in the output.
	KeyNames []string
	// Carry are input columns kept only so that late records written to the source's
	// 'late.sink' have them.
	Carry []int
}

func (s *Scan) Inputs() []Node            { return nil }
func (f *Filter) Inputs() []Node          { return []Node{f.Input} }
func (p *Project) Inputs() []Node         { return []Node{p.Input} }
func (w *WindowTVF) Inputs() []Node       { return []Node{w.Input} }
func (w *WindowAggregate) Inputs() []Node { return []Node{w.Input} }

func (s *Scan) Schema() Schema {
	full := s.Table.FullSchema()
	out := make(Schema, len(s.Cols))
	for i, c := range s.Cols {
		out[i] = full[c]
		if s.Alias != "" {
			out[i].Qualifier = s.Alias
		}
	}
	return out
}

func (f *Filter) Schema() Schema { return f.Input.Schema() }

func (p *Project) Schema() Schema {
	in := p.Input.Schema()
	out := make(Schema, len(p.Exprs))
	for i, e := range p.Exprs {
		out[i] = Field{Name: p.Names[i], Type: e.Type(), Qualifier: p.Qualifier}
		if c, ok := e.(*expr.Column); ok && in[c.Index].RowTime {
			out[i].RowTime = true
		}
		out[i].ProcTime = isProcTime(e, in)
	}
	return out
}

// isProcTime reports whether e is a processing-time attribute: PROCTIME() or a column that
// is one.
func isProcTime(e expr.Expr, in Schema) bool {
	switch x := e.(type) {
	case *expr.Call:
		return x.Func == "proctime"
	case *expr.Column:
		return x.Index < len(in) && in[x.Index].ProcTime
	}
	return false
}

func windowType(in Schema, timeCol int) arrow.DataType {
	if t, ok := in[timeCol].Type.(*arrow.TimestampType); ok && t.TimeZone != "" {
		return TimestampLTZType
	}
	return TimestampType
}

func (w *WindowTVF) Schema() Schema {
	in := w.Input.Schema()
	out := append(Schema{}, in...)
	for i := range out {
		if w.Alias != "" {
			out[i].Qualifier = w.Alias
		}
	}
	wt := windowType(in, w.Window.TimeCol)
	return append(out,
		Field{Name: "window_start", Type: wt, Qualifier: w.Alias},
		Field{Name: "window_end", Type: wt, Qualifier: w.Alias},
		Field{Name: "window_time", Type: wt, Qualifier: w.Alias, RowTime: true})
}

func (w *WindowAggregate) Schema() Schema {
	in := w.Input.Schema()
	var out Schema
	for i, k := range w.Keys {
		out = append(out, Field{Name: w.KeyNames[i], Type: in[k].Type})
	}
	wt := windowType(in, w.Window.TimeCol)
	out = append(out,
		Field{Name: "window_start", Type: wt},
		Field{Name: "window_end", Type: wt},
		Field{Name: "window_time", Type: wt, RowTime: true})
	for _, a := range w.Aggs {
		out = append(out, Field{Name: a.Name, Type: a.Type})
	}
	return out
}
